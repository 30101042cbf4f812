import { createServer } from 'node:http';

// The baseline: a bare node:http server that reads the body and answers 200.
const port = Number(process.env.PORT ?? 3999);
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
}).listen(port, '127.0.0.1');
