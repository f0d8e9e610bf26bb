// `cold-start`: from spawning `node src/main.ts` to the first 200 from the discovery document.
// A first start finds an empty data folder and has to generate the development keys and run
// every migration; a restart finds both done (the usual case).
import { createBlankInstance, type BlankInstance } from '../support/instance.ts';
import { figure } from '../support/report.ts';
import { median } from '../support/stats.ts';
import { setting, type Scenario } from './context.ts';

export const coldStartScenario: Scenario = {
  name: 'cold-start',
  summary: 'process spawn to first 200 from /.well-known/openid-configuration (median)',
  async run(ctx) {
    const restarts = setting(ctx, 'restarts', 5, 1);
    const firstStarts = setting(ctx, 'firstStarts', 3, 1);
    const instances: BlankInstance[] = [];
    const first: number[] = [];
    const restart: number[] = [];
    try {
      for (let i = 0; i < firstStarts; i++) {
        const blank = await createBlankInstance('cold-start');
        instances.push(blank);
        const idp = await blank.start(ctx.idpOptions);
        first.push(idp.startupMs);
        await idp.stop();
      }
      // The restarts reuse the first instance's data folder, keys and migrated database.
      const again = instances[0];
      if (!again) throw new Error('no instance to restart');
      for (let i = 0; i < restarts; i++) {
        const idp = await again.start(ctx.idpOptions);
        restart.push(idp.startupMs);
        await idp.stop();
      }
    } finally {
      for (const instance of instances) await instance.dispose();
    }
    ctx.raw['restartMs'] = restart;
    ctx.raw['firstStartMs'] = first;
    ctx.figure(figure({
      name: `cold start to discovery, restart (median of ${restarts})`, value: median(restart), unit: 'ms',
      target: { on: 'value', op: '<', limit: 1000, text: '< 1 s' }, note: restart.map((v) => v.toFixed(0)).join(', '),
    }));
    ctx.figure(figure({
      name: `first start: keys generated, migrations run (median of ${firstStarts})`, value: median(first), unit: 'ms',
      target: { on: 'value', op: '<', limit: 1000, text: '< 1 s' }, note: first.map((v) => v.toFixed(0)).join(', '),
    }));
  },
};
