/**
 * A throw-away single-node Slurm cluster for the integration test: munged (as user munge, with a fresh 1024-byte
 * key) and slurmctld + slurmd (as root) with every path — key, socket, slurm.conf, state, spool, logs — under one
 * temp folder, on their own ports, so no system file is touched. Stop it with {@link SlurmCluster.stop} (daemons are
 * stopped by their pids, then the folder is removed).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** Environment for sbatch/squeue (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** Daemon output and logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'runuser'] as const;

function which(bin: string): string | null {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    if (d && existsSync(join(d, bin))) return join(d, bin);
  }
  return null;
}

/** Why the cluster cannot be started here (missing binaries, not root, no munge user), or null. */
export function slurmUnavailable(): string | null {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) return `missing ${missing.join(', ')} (Debian: apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'not root (slurmd and munged need root to start)';
  if (spawnSync('id', ['-u', 'munge']).status !== 0) return 'no user munge';
  return null;
}

function tail(path: string, n = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(none)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopPid(child: ChildProcess | undefined, pid?: number): Promise<void> {
  const p = pid ?? child?.pid;
  if (!p) return;
  try {
    process.kill(p, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(p, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  try {
    process.kill(p, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Starts munged, slurmctld and slurmd; resolves once `sinfo` shows the node idle, or throws with the daemon logs. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sftdl-slurm-'));
  chmodSync(dir, 0o755);
  const keyDir = join(dir, 'munge-key'),
    runDir = join(dir, 'munge-run');
  for (const d of [keyDir, runDir, join(dir, 'state'), join(dir, 'spool')]) mkdirSync(d);
  const uid = Number(spawnSync('id', ['-u', 'munge'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'munge'], { encoding: 'utf8' }).stdout.trim());
  const key = join(keyDir, 'munge.key');
  writeFileSync(key, randomBytes(1024));
  for (const p of [keyDir, key, runDir]) chownSync(p, uid, gid);
  chmodSync(key, 0o400);
  chmodSync(keyDir, 0o700);
  chmodSync(runDir, 0o755); // the socket's folder must be searchable by everyone
  const socket = join(runDir, 'munge.sock');
  const host = spawnSync('hostname', ['-s'], { encoding: 'utf8' }).stdout.trim();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const memMb = Math.floor((totalmem() / 2 ** 20) * 0.8);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=sftdltest',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core_Memory',
      'MpiDefault=none',
      'ReturnToService=2',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      `NodeName=${host} CPUs=${availableParallelism()} RealMemory=${memMb} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const out = (name: string) => join(dir, `${name}.out`);
  const start = (name: string, cmd: string, args: string[]) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let text = '';
    c.stdout!.on('data', (d) => {
      text += String(d);
      writeFileSync(out(name), text);
    });
    c.stderr!.on('data', (d) => {
      text += String(d);
      writeFileSync(out(name), text);
    });
    return c;
  };
  const children: ChildProcess[] = [];
  const logs = () =>
    ['munged', 'slurmctld', 'slurmd'].map((n) => `--- ${n} (stdout/stderr)\n${tail(out(n))}`).join('\n') +
    `\n--- munged.log\n${tail(join(runDir, 'munged.log'))}\n--- slurmctld.log\n${tail(join(dir, 'slurmctld.log'))}\n--- slurmd.log\n${tail(join(dir, 'slurmd.log'))}`;
  const mungedPid = () => {
    try {
      return Number(readFileSync(join(runDir, 'munged.pid'), 'utf8').trim());
    } catch {
      return undefined;
    }
  };
  const stop = async () => {
    // slurmd and slurmctld are our children; munged runs under runuser: stop it by its pid file, then runuser
    for (const c of children.slice(1).reverse()) await stopPid(c);
    await stopPid(undefined, mungedPid());
    await stopPid(children[0]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    children.push(
      start('munged', 'runuser', [
        '-u',
        'munge',
        '--',
        'munged',
        '-F',
        `--key-file=${key}`,
        `--socket=${socket}`,
        `--pid-file=${join(runDir, 'munged.pid')}`,
        `--log-file=${join(runDir, 'munged.log')}`,
        `--seed-file=${join(runDir, 'munged.seed')}`,
      ]),
    );
    for (let i = 0; !existsSync(socket); i++) {
      if (i > 100) throw new Error('munged did not create its socket in 10 s');
      await sleep(100);
    }
    children.push(start('slurmctld', 'slurmctld', ['-D', '-c', '-f', conf]));
    children.push(start('slurmd', 'slurmd', ['-D', '-f', conf]));
    for (let i = 0; ; i++) {
      const s = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' });
      if (s.status === 0 && /idle|mixed/.test(s.stdout)) break;
      for (const c of children) if (c.exitCode !== null) throw new Error(`${c.spawnargs[0]} exited with ${c.exitCode}`);
      if (i > 150) throw new Error(`the node did not become idle in 30 s (sinfo: ${s.stdout.trim() || s.stderr.trim()})`);
      await sleep(200);
    }
  } catch (e) {
    const msg = `${(e as Error).message}\n${logs()}`;
    await stop();
    throw new Error(`Slurm test cluster did not start: ${msg}`);
  }
  return { dir, conf, env, logs, stop };
}
