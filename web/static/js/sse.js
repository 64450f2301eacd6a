// Server-Sent Events from a fetch() response body (EventSource cannot POST or send headers).
// Yields each event's data; comments (keep-alive pings) and other fields are skipped.

export async function* sseData(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      // normalise line ends, keeping a trailing "\r" until we know whether "\n" follows
      const held = !done && buffer.endsWith("\r") ? "\r" : "";
      buffer = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n") + held;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data !== null) yield data;
      }
      if (done) break;
    }
    const rest = dataOf(buffer);
    if (rest !== null) yield rest;
  } finally {
    reader.releaseLock();
  }
}

function dataOf(block) {
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  return data.length ? data.join("\n") : null;
}

/** The UI-message stream's chunks (parsed JSON objects); "[DONE]" ends it. */
export async function* uiChunks(response) {
  for await (const data of sseData(response)) {
    if (data === "[DONE]") return;
    let chunk;
    try {
      chunk = JSON.parse(data);
    } catch {
      continue; // not a chunk of the protocol: ignore it rather than break the answer
    }
    if (chunk && typeof chunk.type === "string") yield chunk;
  }
}
