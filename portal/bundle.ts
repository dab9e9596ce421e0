// The portal as the component ships it to EC2: one self-contained directory with the server
// bundled by esbuild (server.mjs), the native Argon2 binding it cannot bundle, the static assets
// (bootstrap-italia's stylesheet, fonts and icons, chart.js, the portal's own) and the systemd
// unit qdp-portal.service. `node server.mjs` runs it; nothing else is installed on the instance.
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  PORTAL_ENVIRONMENT_FILE,
  PORTAL_INSTALL_DIR,
  PORTAL_NODE,
  PORTAL_SERVICE,
  PORTAL_USER,
} from '../contracts/portal-deployment.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const require = createRequire(import.meta.url);

/** Native packages copied next to the bundle: Argon2 and its binary for Linux x64 (glibc: Amazon Linux). */
export const NATIVE_PACKAGES = ['@node-rs/argon2', '@node-rs/argon2-linux-x64-gnu'];

export interface PortalBundleOptions {
  /** Where to build; a fresh temporary directory by default. */
  outDir?: string;
  /** Where the directory is installed on the instance. @default '/opt/qdp-portal' */
  installDir?: string;
  /** The environment file the unit reads (QDP_PORTAL_* variables, see portal/config.ts). @default '/etc/qdp-portal/portal.env' */
  environmentFile?: string;
  /** @default '/usr/bin/node' */
  nodePath?: string;
  /** The unprivileged system user the service runs as. @default 'qdp-portal' */
  user?: string;
}

export function systemdUnit(options: Required<Omit<PortalBundleOptions, 'outDir'>>): string {
  return `[Unit]
Description=Quarantine data platform portal
Documentation=https://github.com/quarantine-data-platform (portal/README.md)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
Group=${options.user}
WorkingDirectory=${options.installDir}
EnvironmentFile=${options.environmentFile}
Environment=NODE_ENV=production
ExecStart=${options.nodePath} ${options.installDir}/server.mjs
Restart=on-failure
RestartSec=5
TimeoutStopSec=20
# Hardening: no privileges, read-only system, private /tmp and devices.
NoNewPrivileges=true
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native
UMask=0077

[Install]
WantedBy=multi-user.target
`;
}

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/** Builds the bundle directory and returns its path. */
export async function bundlePortal(options: PortalBundleOptions = {}): Promise<string> {
  const outDir = options.outDir ?? (await mkdtemp(path.join(tmpdir(), 'qdp-portal-bundle-')));
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(HERE, 'main.ts')],
    outfile: path.join(outDir, 'server.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // pg's optional native client is never used; Argon2 is a native addon, copied below.
    external: ['pg-native', '@node-rs/argon2'],
    // CommonJS dependencies bundled into an ES module still call require().
    banner: {
      js: "import { createRequire as qdpCreateRequire } from 'node:module'; const require = qdpCreateRequire(import.meta.url);",
    },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  for (const name of NATIVE_PACKAGES) {
    await cp(packageDir(name), path.join(outDir, 'node_modules', name), { recursive: true });
  }
  const bi = path.join(ROOT, 'node_modules', 'bootstrap-italia', 'dist');
  for (const sub of ['css', 'fonts', 'svg', 'assets']) {
    await cp(path.join(bi, sub), path.join(outDir, 'static', 'bootstrap-italia', sub), {
      recursive: true,
    });
  }
  await mkdir(path.join(outDir, 'static', 'chart.js'), { recursive: true });
  await cp(
    path.join(ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'),
    path.join(outDir, 'static', 'chart.js', 'chart.umd.min.js'),
  );
  await cp(path.join(HERE, 'static'), path.join(outDir, 'static', 'portal'), { recursive: true });
  await writeFile(
    path.join(outDir, PORTAL_SERVICE),
    systemdUnit({
      installDir: options.installDir ?? PORTAL_INSTALL_DIR,
      environmentFile: options.environmentFile ?? PORTAL_ENVIRONMENT_FILE,
      nodePath: options.nodePath ?? PORTAL_NODE,
      user: options.user ?? PORTAL_USER,
    }),
  );
  await writeFile(
    path.join(outDir, 'package.json'),
    `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`,
  );
  return outDir;
}
