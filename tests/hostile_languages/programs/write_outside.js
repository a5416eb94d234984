// Writes a file named by stdin into every directory it can think of and prints "<path> OK" or
// "<path> FAIL <code>" for each.
const fs = require('fs');
const name = fs.readFileSync(0, 'utf8').trim();
for (const directory
         of ['/etc', '/usr', '/usr/lib', '', '/dev', '/proc', '/var/cache/codearena/pch',
             '/var/cache/codearena/pch/cpp', '/tmp', '/box']) {
  const path = `${directory}/${name}`;
  try {
    fs.writeFileSync(path, 'written from the box\n');
    console.log(path, 'OK');
  } catch (error) {
    console.log(path, 'FAIL', error.code);
  }
}
