import { bootstrapService } from '@countersign/service-runtime';
import { BrokerModule } from './broker.module';

void bootstrapService({ service: 'broker', module: (runtime) => BrokerModule.register(runtime) });
