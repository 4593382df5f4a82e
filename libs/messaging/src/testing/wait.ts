export { waitFor, type Truthy } from '@countersign/testing';
