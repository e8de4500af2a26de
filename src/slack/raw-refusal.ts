/**
 * A refusal written straight to a connection, outside Node's answers (what Node cannot read as a request, a tunnel):
 * its status, one line saying what the bot takes, and the connection closed.
 */
export function rawRefusal(status: string, line: string, headers: Record<string, string> = {}): string {
  const body = `${line}\n`;
  const fields = {
    ...headers,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    Connection: "close",
  };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status}\r\n${head.join("")}\r\n${body}`;
}
