// Keeps the event loop alive forever without using CPU.
setInterval(() => {}, 1 << 30);
