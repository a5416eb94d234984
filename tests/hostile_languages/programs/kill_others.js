// Signals processes outside itself: kill(-1, SIGKILL) (everything it may signal) and
// kill(1, SIGKILL) (the box's init), then says it survived.
for (const target of [-1, 1]) {
  try {
    process.kill(target, 'SIGKILL');
    console.log('kill', target, 'ok');
  } catch (error) {
    console.log('kill', target, 'failed', error.code);
  }
}
console.log('survived');
