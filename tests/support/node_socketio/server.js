// One replica of the seeds' stack: Socket.IO 4 + @socket.io/redis-adapter over a real Redis.
//   node server.js PORT REDIS_URL NAME TOKEN
// connect: refused with "invalid token" unless auth.token is TOKEN;
// "subscribe:portfolio" {userId} joins room user:ID (acknowledged);
// POST /test/portfolio-update {userId, ...} broadcasts "portfolio:update" to that room;
// GET /health answers {"status":"healthy","replica":NAME}.
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const [port, redisUrl, name, token] = process.argv.slice(2);

function readJson(req) {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body ? JSON.parse(body) : {}));
  });
}

const server = http.createServer(async (req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/health") return reply(200, { status: "healthy", replica: name });
  if (req.method === "POST" && req.url === "/test/portfolio-update") {
    const body = await readJson(req);
    io.to(`user:${body.userId}`).emit("portfolio:update", { ...body, totalValue: 50000 });
    return reply(200, { sent: true, replica: name });
  }
  if (!req.url.startsWith("/socket.io")) reply(404, { error: "not found" });
});

const io = new Server(server);
const pub = createClient({ url: redisUrl, socket: { reconnectStrategy: () => 200 } });
const sub = pub.duplicate();
pub.on("error", () => {});  // Redis stopped by a test: keep serving, the adapter just cannot publish
sub.on("error", () => {});

io.use((socket, next) => {
  if ((socket.handshake.auth || {}).token !== token) return next(new Error("invalid token"));
  next();
});
io.on("connection", (socket) => {
  socket.on("subscribe:portfolio", (data, ack) => {
    socket.join(`user:${data.userId}`);
    if (typeof ack === "function") ack({ subscribed: data.userId });
  });
});

Promise.all([pub.connect(), sub.connect()]).then(() => {
  io.adapter(createAdapter(pub, sub));
  server.listen(Number(port), "127.0.0.1");
});
