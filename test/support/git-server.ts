import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real Git server for the tests: Git's own `git http-backend` (smart HTTP) run as CGI behind a
 * small node HTTP server, serving bare repositories under one root. With `token`, every request
 * must carry it as HTTP Basic credentials (as GitHub, GitLab and Gitea accept access tokens).
 */
export async function startGitServer(opts: { token?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'berth-git-server-'))
  let requests = 0
  const server: Server = createServer((req, res) => {
    requests++
    if (opts.token) {
      const basic = (req.headers.authorization ?? '').replace(/^Basic /, '')
      const password = Buffer.from(basic, 'base64').toString().split(':')[1]
      if (password !== opts.token) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end()
        return
      }
    }
    const url = new URL(req.url ?? '/', 'http://git')
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    req.pipe(cgi.stdin)
    // CGI output: header lines, a blank line, then the body.
    let head = Buffer.alloc(0)
    let headersSent = false
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      let status = 200
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [name, ...rest] = line.split(':')
        const value = rest.join(':').trim()
        if (name!.toLowerCase() === 'status') status = Number.parseInt(value, 10)
        else res.setHeader(name!, value)
      }
      res.writeHead(status)
      headersSent = true
      res.write(head.subarray(end + 4))
    })
    cgi.on('close', () => res.end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    root,
    /** How many HTTP requests it answered (a rollback without a fetch adds none). */
    requests: () => requests,
    /** A new bare repository and a work tree to commit and push from. */
    createRepo(name: string) {
      const bare = join(root, `${name}.git`)
      const work = mkdtempSync(join(tmpdir(), `berth-git-work-`))
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: work,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Ada Tester',
            GIT_AUTHOR_EMAIL: 'ada@example.com',
            GIT_COMMITTER_NAME: 'Ada Tester',
            GIT_COMMITTER_EMAIL: 'ada@example.com',
          },
        })
          .toString()
          .trim()
      execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare])
      // Git runs post-receive after every push with "<old> <new> <ref>" lines on stdin, as a Git
      // host's webhook sender reads them; the tests deliver webhooks from this record.
      writeFileSync(join(bare, 'hooks', 'post-receive'), '#!/bin/sh\ncat >> pushes.log\n', { mode: 0o755 })
      git('init', '--quiet', '--initial-branch=main')
      return {
        url: `${base}/${name}.git`,
        /** The bare repository's path on this machine (for a clone over ssh://). */
        path: bare,
        /** Writes files, commits and pushes to `branch` on the server; returns the commit sha. */
        push(files: Record<string, string>, message: string, branch = 'main'): string {
          git('checkout', '--quiet', '-B', branch)
          for (const [path, content] of Object.entries(files)) {
            mkdirSync(join(work, path, '..'), { recursive: true })
            writeFileSync(join(work, path), content)
          }
          git('add', '--all')
          git('commit', '--quiet', '-m', message)
          git('push', '--quiet', '--force', bare, `HEAD:refs/heads/${branch}`)
          return git('rev-parse', 'HEAD')
        },
        /** The ref updates of the latest push, as the repository's post-receive hook recorded them. */
        lastPush(): { before: string; after: string; ref: string } {
          const lines = readFileSync(join(bare, 'pushes.log'), 'utf8').trim().split('\n')
          const [before = '', after = '', ref = ''] = lines.at(-1)!.split(' ')
          return { before, after, ref }
        },
        remove() {
          rmSync(work, { recursive: true, force: true })
        },
      }
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(root, { recursive: true, force: true })
    },
  }
}
