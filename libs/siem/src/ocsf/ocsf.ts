/**
 * The OCSF vocabulary Countersign's renderings use: version, product, and the captions of the few
 * enums it fills. The captions are the schema's own (the validator in `testing` checks every
 * rendered record against the reference data, so a wrong caption here fails a test).
 */
export const OCSF_VERSION = '1.8.0';

export const PRODUCT = { name: 'Countersign', vendor_name: 'Countersign', uid: 'countersign', version: '0.1.0' } as const;

export type OcsfEvent = Record<string, unknown> & {
  class_uid: number;
  activity_id: number;
  type_uid: number;
  time: number;
  metadata: Record<string, unknown>;
};

export interface OcsfClass {
  uid: number;
  name: string;
  category_uid: number;
  category_name: string;
  activities: Readonly<Record<number, string>>;
}

const IAM = { category_uid: 3, category_name: 'Identity & Access Management' };

export const Classes = {
  detectionFinding: {
    uid: 2004,
    name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activities: { 1: 'Create', 2: 'Update', 3: 'Close', 99: 'Other' },
  },
  authorizeSession: { uid: 3003, name: 'Authorize Session', ...IAM, activities: { 1: 'Assign Privileges', 99: 'Other' } },
  entityManagement: { uid: 3004, name: 'Entity Management', ...IAM, activities: { 1: 'Create', 3: 'Update', 99: 'Other' } },
  userAccessManagement: { uid: 3005, name: 'User Access Management', ...IAM, activities: { 2: 'Revoke Privileges', 99: 'Other' } },
  apiActivity: {
    uid: 6003,
    name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activities: { 1: 'Create', 2: 'Read', 3: 'Update', 99: 'Other' },
  },
} as const satisfies Record<string, OcsfClass>;

export const SEVERITY = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' } as const;
export type SeverityId = keyof typeof SEVERITY;

/** `status_id` of the non-finding classes: 1 Success, 2 Failure, 99 Other (caption = our own label). */
export type Status = { id: 1 } | { id: 2; code: string; detail?: string } | { id: 99; label: string; detail?: string };

/** Detection Finding's `status_id` is the finding's workflow state. */
export const FINDING_STATUS = { 1: 'New', 2: 'In Progress', 4: 'Resolved' } as const;
export type FindingStatusId = keyof typeof FINDING_STATUS;

/** observable.type_id values used here. */
export const OBSERVABLE = { hash: [8, 'Hash'], resourceUid: [10, 'Resource UID'], userName: [4, 'User Name'] } as const;

/** user.type_id: approvers and operators are people; everything else signing events is a system. */
export const USER_TYPE = { user: [1, 'User'], service: [4, 'Service'] } as const;
