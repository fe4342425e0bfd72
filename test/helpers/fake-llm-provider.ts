import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How the fake provider answers: normally; with a 500 whose body echoes the
 * prompt (as real providers do); or, for streams, by cutting the connection
 * after the first chunks.
 */
export type FakeLlmMode = 'ok' | 500 | 'cut-stream';

/** One request as it arrived. */
export interface FakeLlmRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/**
 * A loopback HTTP server that speaks enough of the Anthropic Messages API
 * (`POST /v1/messages`) and the OpenAI API (`POST /v1/chat/completions`,
 * `POST /v1/responses`) for the real `@anthropic-ai/sdk` and `openai`
 * clients, as JSON or as SSE streams.
 */
export interface FakeLlmProvider {
  readonly url: string;
  readonly requests: FakeLlmRequest[];
  mode: FakeLlmMode;
  /** The completion text; streamed as one chunk per word. */
  reply: string;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  /** Token counts every answer reports. */
  usage: { input: number; output: number; cacheRead: number };
  close(): Promise<void>;
}

/** The model the fake answers with: the requested one plus a dated suffix, as providers do. */
export function answeredModel(requested: string): string {
  return `${requested}-20250101`;
}

function words(text: string): string[] {
  return text.split(/(?<= )/);
}

function promptOf(body: any): string {
  return JSON.stringify(body?.messages ?? body?.input ?? '');
}

function sse(res: ServerResponse, event: string | undefined, data: unknown): void {
  const head = event ? `event: ${event}\n` : '';
  res.write(`${head}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Starts a fake provider on an ephemeral loopback port. */
export async function startFakeLlmProvider(): Promise<FakeLlmProvider> {
  const requests: FakeLlmRequest[] = [];
  const sockets = new Set<Socket>();
  const state = {
    mode: 'ok' as FakeLlmMode,
    reply: 'Hello from the fake model.',
    delayMs: 0,
    usage: { input: 11, output: 7, cacheRead: 3 },
  };

  function anthropic(body: any, res: ServerResponse, cut: () => boolean): void {
    const { input, output, cacheRead } = state.usage;
    const model = answeredModel(String(body.model));
    if (!body.stream) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: state.reply }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: input, output_tokens: 1, cache_read_input_tokens: cacheRead },
      },
    });
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    const parts = words(state.reply);
    for (const [i, text] of parts.entries()) {
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      });
      if (i === 1 && cut()) return;
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: output },
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  function chat(body: any, res: ServerResponse, cut: () => boolean): void {
    const { input, output, cacheRead } = state.usage;
    const model = answeredModel(String(body.model));
    const usage = {
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: input + output,
      prompt_tokens_details: { cached_tokens: cacheRead },
    };
    const base = { id: 'chatcmpl-1', created: 1, model };
    if (!body.stream) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: state.reply, refusal: null },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(body.stream_options?.include_usage ? { usage: null } : {}),
    });
    sse(res, undefined, chunk({ role: 'assistant', content: '' }, null));
    for (const [i, text] of words(state.reply).entries()) {
      sse(res, undefined, chunk({ content: text }, null));
      if (i === 1 && cut()) return;
    }
    sse(res, undefined, chunk({}, 'stop'));
    if (body.stream_options?.include_usage) {
      sse(res, undefined, { ...base, object: 'chat.completion.chunk', choices: [], usage });
    }
    sse(res, undefined, '[DONE]');
    res.end();
  }

  function responses(body: any, res: ServerResponse, cut: () => boolean): void {
    const { input, output, cacheRead } = state.usage;
    const model = answeredModel(String(body.model));
    const complete = {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      model,
      output: [
        {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: state.reply, annotations: [] }],
        },
      ],
      usage: {
        input_tokens: input,
        output_tokens: output,
        total_tokens: input + output,
        input_tokens_details: { cached_tokens: cacheRead },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    };
    if (!body.stream) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(complete));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let sequence = 0;
    const event = (type: string, data: object) =>
      sse(res, type, { type, sequence_number: sequence++, ...data });
    event('response.created', {
      response: { ...complete, status: 'in_progress', output: [], usage: null },
    });
    for (const [i, delta] of words(state.reply).entries()) {
      event('response.output_text.delta', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta,
        logprobs: [],
      });
      if (i === 1 && cut()) return;
    }
    event('response.completed', { response: complete });
    res.end();
  }

  const server: Server = createServer(function fakeLlmHandler(req, res) {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        body = {};
      }
      requests.push({ path, headers: req.headers, body });
      const mode = state.mode;
      // Ends a stream after its second text chunk, in 'cut-stream' mode only.
      const cut = () => {
        if (mode === 'cut-stream') {
          // Let the chunks written so far reach the client, then drop the connection.
          setTimeout(() => req.socket.destroy(), 50);
          return true;
        }
        return false;
      };
      const answer = () => {
        if (mode === 500) {
          // Providers echo the request in their error messages: the tracer must not leak it.
          res.writeHead(500, { 'content-type': 'application/json' });
          const message = `internal error while handling ${promptOf(body)}`;
          res.end(
            JSON.stringify(
              path.endsWith('/messages')
                ? { type: 'error', error: { type: 'api_error', message } }
                : { error: { message, type: 'server_error', param: null, code: null } },
            ),
          );
          return;
        }
        if (path.endsWith('/v1/messages')) anthropic(body, res, cut);
        else if (path.endsWith('/chat/completions')) chat(body, res, cut);
        else if (path.endsWith('/responses')) responses(body, res, cut);
        else {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `no route ${path}` } }));
        }
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeLlmMode) {
      state.mode = mode;
    },
    get reply() {
      return state.reply;
    },
    set reply(reply: string) {
      state.reply = reply;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get usage() {
      return state.usage;
    },
    set usage(usage) {
      state.usage = usage;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
