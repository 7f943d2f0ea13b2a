import { Client, Connection } from '@temporalio/client';
import { ServiceError } from '../errors/index.js';

export async function connectTemporalClient(address: string, namespace: string): Promise<Client> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 5000 });
    return new Client({ connection, namespace });
  } catch (err) {
    throw new ServiceError('temporal', `cannot reach ${address} (${err instanceof Error ? err.message : String(err)}); check TEMPORAL_ADDRESS`, { cause: err });
  }
}
