import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '../support/cli.js'

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

const files = sources(join(REPO_ROOT, 'src')).map((path) => ({
  path: relative(REPO_ROOT, path),
  text: readFileSync(path, 'utf8'),
}))

// The functions of node:child_process that start a process without a shell when given a file and
// an argument array; exec/execSync always go through /bin/sh and are not allowed at all.
const ALLOWED_IMPORTS = new Set(['spawn', 'execFile', 'spawnSync', 'execFileSync', 'ChildProcess', 'type ChildProcess'])

describe('no user text reaches a shell', () => {
  it('imports only shell-free process functions from node:child_process', () => {
    let importers = 0
    for (const { path, text } of files) {
      for (const match of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(?:node:)?child_process'/g)) {
        importers++
        for (const name of match[1]!
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)) {
          assert.ok(ALLOWED_IMPORTS.has(name), `${path} imports ${name} from node:child_process`)
        }
      }
      assert.ok(
        !/\bimport\s+\*\s+as\s+\w+\s+from\s*'(?:node:)?child_process'/.test(text),
        `${path} imports all of child_process`,
      )
      assert.ok(!/require\(\s*'(?:node:)?child_process'\s*\)/.test(text), `${path} requires child_process`)
    }
    assert.ok(
      importers >= 3,
      `found ${importers} importers of node:child_process; the scan is looking in the wrong place`,
    )
  })

  it('never asks for a shell and never calls exec or execSync', () => {
    for (const { path, text } of files) {
      assert.ok(!/\bshell\s*:(?!\s*false\b)/.test(text), `${path} passes a shell option other than false`)
      // A method named exec (RegExp.prototype.exec) is preceded by a dot; the child_process one is not.
      assert.ok(!/(?<![.\w])exec(?:Sync)?\s*\(/.test(text), `${path} calls exec/execSync`)
    }
  })

  it('starts every process with a fixed program name and an argument array', () => {
    let calls = 0
    for (const { path, text } of files) {
      for (const match of text.matchAll(/(?<![.\w])(spawn|spawnSync|execFile|execFileSync)\s*\(([^)]*)/g)) {
        if (/^\s*$/.test(match[2]!) || match.index === undefined) continue
        calls++
        const [program, args] = match[2]!.split(',').map((part) => part.trim())
        assert.match(
          program!,
          /^'[a-z][a-z0-9_-]*'$/,
          `${path}: ${match[0]} must name a fixed program, not a command line`,
        )
        assert.ok(
          args === undefined || args === '' || /^\[|^args$|^\.\.\.|^[a-zA-Z]+Args$/.test(args!),
          `${path}: ${match[0]} must pass an argument array`,
        )
      }
      // A cluster worker is node running a module: only a constant naming one of Berth's own.
      for (const match of text.matchAll(/setupPrimary\(\{\s*exec:\s*([^,}]*)/g)) {
        calls++
        assert.match(match[1]!, /^[A-Z_]+_MODULE$/, `${path}: ${match[0]} must run a module constant`)
        assert.match(
          text,
          new RegExp(`const ${match[1]} = fileURLToPath\\(\\s*new URL\\(\`\\./`),
          `${path}: ${match[1]} is not a module beside it`,
        )
      }
      // promisify(execFile) makes a runner whose first argument must also be a fixed program.
      if (/promisify\(execFile\)/.test(text)) {
        for (const call of text.matchAll(/await run\(([^,]*),\s*([^,]*)/g)) {
          calls++
          assert.match(call[1]!, /^'[a-z][a-z0-9_-]*'$/, `${path}: ${call[0]}`)
          assert.match(call[2]!, /^\[/, `${path}: ${call[0]}`)
        }
      }
    }
    assert.ok(calls >= 4, `found ${calls} process starts; the scan is looking in the wrong place`)
  })
})
