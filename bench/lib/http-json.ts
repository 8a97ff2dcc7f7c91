// A keep-alive JSON POST client for the API server benchmark path (no retries: every error counts).

import { Agent, request } from 'node:http';

export interface JsonPoster {
  post(path: string, body: unknown): Promise<{ status: number; text: string }>;
  close(): void;
}

export function jsonPoster(baseUrl: string, maxSockets: number): JsonPoster {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post: (path, body) =>
      new Promise((resolve, reject) => {
        const data = Buffer.from(JSON.stringify(body));
        const req = request(
          `${baseUrl}${path}`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': data.length },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(data);
      }),
    close: () => agent.destroy(),
  };
}
