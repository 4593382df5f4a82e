import { bootstrapService } from '@countersign/service-runtime';
import { ApprovalModule } from './approval.module';

void bootstrapService({ service: 'approval', module: (runtime) => ApprovalModule.register(runtime) });
