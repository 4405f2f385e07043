// The quick-start demo: starts the vCenter simulator, polls it once with the
// starter baseline through the real vdrift command, prints the findings and
// stops the simulator. Its config and database live in .demo/ so a second
// run shows an unchanged state rather than new findings.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../src/model/paths.js';
import { startSimulator } from '../test/helpers/vcsim.js';

const demoDir = packagePath('.demo');

async function main(): Promise<number> {
  mkdirSync(demoDir, { recursive: true });
  const sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
  try {
    const config = {
      baselines: packagePath('baselines'),
      vcenters: [{ name: 'demo-vcsim', url: sim.url, username: sim.username, passwordEnv: 'VDRIFT_DEMO_PASSWORD' }],
    };
    const configFile = join(demoDir, 'config.json');
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    chmodSync(configFile, 0o600);

    console.log(`vdrift demo: simulator with ${sim.hosts} hosts at ${sim.url}; config and database in ${demoDir}\n`);
    const result = spawnSync(process.execPath, [packagePath('bin', 'vdrift.js'), 'poll', '--config', configFile], {
      stdio: 'inherit',
      env: { ...process.env, VDRIFT_DEMO_PASSWORD: sim.password, VDRIFT_LOG_LEVEL: process.env.VDRIFT_LOG_LEVEL ?? 'error' },
    });
    console.log(`\nvdrift poll exited with ${result.status}: 1 means open findings, as the simulator's hosts allow all addresses on every ruleset.`);
    return result.status === 1 || result.status === 0 ? 0 : (result.status ?? 1);
  } finally {
    await sim.stop();
  }
}

process.exitCode = await main();
