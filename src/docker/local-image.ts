// Builds a tiny image from the machine's static busybox with the Engine API (FROM scratch,
// no registry), for the demo and the tests. Its default command exits promptly on SIGTERM,
// as a real agent does.
import { access, readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { DockerOperationError, MedicError } from '../core/index.js';
import { dockerError } from './engine-errors.js';
import { packFiles } from './tar-write.js';

export const LOCAL_IMAGE = 'workspace-medic/busybox:1';
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
CMD ["sh","-c","trap 'exit 0' TERM; sleep 3600 & wait"]
`;

export async function ensureLocalImage(docker: Docker, tag = LOCAL_IMAGE): Promise<string> {
  try {
    return await build(docker, tag);
  } catch (error) {
    throw error instanceof MedicError ? error : dockerError(error, `build ${tag}`);
  }
}

async function build(docker: Docker, tag: string): Promise<string> {
  const existing = await docker
    .getImage(tag)
    .inspect()
    .catch(() => null);
  if (existing) return tag;
  const busybox = await findBusybox();
  const context = await packFiles(
    [
      { path: 'Dockerfile', content: Buffer.from(DOCKERFILE), mode: 0o644 },
      { path: 'busybox', content: await readFile(busybox), mode: 0o755 },
    ],
    new Date(0),
  );
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: tag });
  const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new DockerOperationError(`building ${tag} failed: ${failed.error}`);
  return tag;
}

async function findBusybox(): Promise<string> {
  for (const candidate of BUSYBOX_PATHS) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new DockerOperationError('no static busybox binary to build the local image from', {
    hint: 'run scripts/dev-services.sh (it installs busybox-static), or apt-get install busybox-static',
  });
}
