// Tries to read host files and directories (a fixed list plus one path per line of stdin) and
// prints what it got: "<path> ERR <code>", "<path> DIR <entries>" or "<path> READ <content>",
// then its whole environment.
const fs = require('fs');
const paths = [
  '/etc/shadow', '/etc/gshadow', '/proc/1/environ', '/proc/1/cmdline', '/proc/1/root/etc/shadow',
  '/root', '/home', '/root/.bash_history', '/run/codearena', '/sys/class/net',
  '/var/cache/codearena', '/etc/passwd', '/proc/self/environ'
];
const extra = fs.readFileSync(0, 'utf8').split(/\s+/).filter((path) => path.length > 0);
for (const path of paths.concat(extra)) {
  try {
    if (fs.statSync(path).isDirectory()) {
      console.log(path, 'DIR', fs.readdirSync(path).sort().join(','));
    } else {
      console.log(path, 'READ', fs.readFileSync(path, 'latin1').replace(/\0/g, ' '));
    }
  } catch (error) {
    console.log(path, 'ERR', error.code);
  }
}
console.log('ENV', JSON.stringify(process.env));
