// ImageStore on the Docker Engine: one list call each for images and containers, the root
// dir from /info (asked once: it does not change while the daemon runs).
import Dockerode from 'dockerode';
import { toRuntimeError } from './docker-errors.js';
import type { ImageStore, StoredContainer, StoredImage } from './image-store.js';

export class DockerImageStore implements ImageStore {
  private readonly docker: Dockerode;
  private rootDir?: string;

  constructor(private readonly socketPath: string) {
    this.docker = new Dockerode({ socketPath });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toRuntimeError(err, `unix://${this.socketPath}`);
    }
  }

  async listImages(): Promise<StoredImage[]> {
    const list = await this.call(() => this.docker.listImages());
    return list.map((i) => ({
      id: i.Id,
      names: [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])].filter((n) => !n.startsWith('<none>')),
      sizeBytes: i.Size,
    }));
  }

  async listContainers(): Promise<StoredContainer[]> {
    const list = await this.call(() => this.docker.listContainers({ all: true }));
    return list.map((c) => ({
      id: c.Id,
      imageId: c.ImageID,
    }));
  }

  async removeImage(id: string): Promise<void> {
    await this.call(() => this.docker.getImage(id).remove({}));
  }

  async imageFsPath(): Promise<string> {
    if (!this.rootDir) {
      const info = (await this.call(() => this.docker.info())) as { DockerRootDir?: string };
      this.rootDir = info.DockerRootDir || '/var/lib/docker';
    }
    return this.rootDir;
  }
}
