// What image garbage collection asks of the runtime (kubelet's ImageService plus the image
// filesystem's location): kept apart from Runtime so pod code and its fakes need none of it.

export interface StoredImage {
  /** Content id (`sha256:...`). */
  id: string;
  /** Tags and digests; empty for a dangling image. */
  names: string[];
  /** Bytes on disk as the runtime counts them (shared layers included). */
  sizeBytes: number;
}

export interface StoredContainer {
  id: string;
  /** Id of the image it was created from. */
  imageId: string;
}

export interface ImageStore {
  listImages(): Promise<StoredImage[]>;
  /** Every container of the runtime, whoever created it. */
  listContainers(): Promise<StoredContainer[]>;
  /** Removes an image by id (not forced: the runtime refuses one a container still uses). */
  removeImage(id: string): Promise<void>;
  /** A directory on the filesystem that holds the runtime's images (Docker's root dir). */
  imageFsPath(): Promise<string>;
}
