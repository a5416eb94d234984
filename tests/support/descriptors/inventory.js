// Lists every descriptor above 2 this program inherited, with what it is, and exits 1 if there
// is any: a sandboxed program must start with exactly stdin, stdout and stderr.
//
// Node.js opens descriptors of its own before any script runs: epoll and eventfd instances and
// pipes whose two ends it holds both. Those are left out, nothing else. Two views find the
// descriptors, so that neither a missing /proc nor one that hides entries can hide one: the
// entries of /proc/self/fd, and fs.fstatSync on every number from 3 to 1023. One that /proc
// cannot describe counts as inherited.
'use strict';
const fs = require('fs');

function isOpen(fd) {
  try {
    fs.fstatSync(fd);
    return true;
  } catch (error) {
    return false;
  }
}

function listed() {
  try {
    // The listing's own descriptor is among the names, and closed by now.
    return fs.readdirSync('/proc/self/fd').map(Number).filter((fd) => fd > 2 && isOpen(fd));
  } catch (error) {
    console.log('/proc/self/fd cannot be listed; probing only');
    return [];
  }
}

function describe(fd) {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch (error) {
    return 'unknown: no /proc entry';
  }
}

const open = new Set(listed());
for (let fd = 3; fd <= 1023; ++fd) if (isOpen(fd)) open.add(fd);
const targets = new Map([...open].sort((a, b) => a - b).map((fd) => [fd, describe(fd)]));
const held = (target) => [...targets.values()].filter((other) => other === target).length;
const runtimesOwn = (target) =>
  /^anon_inode:\[(eventpoll|eventfd)\]$/.test(target) ||
  (target.startsWith('pipe:') && held(target) === 2);
const inherited = [...targets].filter(([, target]) => !runtimesOwn(target));
for (const [fd, target] of inherited) console.log(`inherited fd ${fd}: ${target}`);
if (inherited.length === 0) console.log('no descriptor above 2 was inherited');
process.exitCode = inherited.length === 0 ? 0 : 1;
