import { bootstrapService } from '@countersign/service-runtime';
import { ExecutorModule } from './executor.module';

void bootstrapService({ service: 'executor', module: (runtime) => ExecutorModule.register(runtime) });
