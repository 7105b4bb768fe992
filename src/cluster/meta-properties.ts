import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GregorError } from '../util/index.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { randomClusterId } from './ids.ts';

/**
 * `meta.properties` in each log directory (Kafka's `MetaProperties`, version 1): the cluster id and
 * node id the directory belongs to. Created on first start; a later start with a different node id is
 * refused, so two brokers never share a directory by mistake.
 */
export interface MetaProperties {
  readonly clusterId: string;
  readonly nodeId: number;
}

export const META_PROPERTIES_FILE = 'meta.properties';

/** Loads the file, or creates it (with `clusterId` or a fresh one) when absent. */
export async function ensureMetaProperties(dir: string, nodeId: number, clusterId?: string): Promise<MetaProperties> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, META_PROPERTIES_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const meta = { clusterId: clusterId ?? randomClusterId(), nodeId };
    await writeFileAtomic(path, `#\n#${new Date().toUTCString()}\nversion=1\ncluster.id=${meta.clusterId}\nnode.id=${nodeId}\n`);
    return meta;
  }
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) props.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
  }
  const storedCluster = props.get('cluster.id');
  const storedNode = Number(props.get('node.id') ?? props.get('broker.id'));
  if (storedCluster === undefined || !Number.isInteger(storedNode)) {
    throw new GregorError('INVALID_META_PROPERTIES', `${path} lacks cluster.id or node.id`);
  }
  if (storedNode !== nodeId) {
    throw new GregorError('INCONSISTENT_NODE_ID', `${path} belongs to node.id ${storedNode}, but this broker is node.id ${nodeId}`);
  }
  if (clusterId !== undefined && clusterId !== storedCluster) {
    throw new GregorError('INCONSISTENT_CLUSTER_ID', `${path} belongs to cluster ${storedCluster}, not ${clusterId}`);
  }
  return { clusterId: storedCluster, nodeId };
}
