import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { causeOf, createTail } from './compose-errors.js'

// Lines as Docker 28 and Compose v2 print them (taken from real runs on this project's machines).
describe('the cause of a failed compose step', () => {
  it('is read from the engine error lines', () => {
    const cases: [string, string][] = [
      [
        'Error response from daemon: Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid on 10.0.0.2:53: no such host',
        'the image registry could not be reached (registry.invalid: no such host)',
      ],
      [
        "Error response from daemon: pull access denied for example/nothing, repository does not exist or may require 'docker login'",
        'the image example/nothing was not found or needs a registry login',
      ],
      [
        'Error response from daemon: no such image: berth-test/missing:1: No such image: berth-test/missing:1',
        'the image berth-test/missing:1 is not on the server',
      ],
      [
        'Error response from daemon: driver failed programming external connectivity on endpoint x (f159): Bind for 127.0.0.1:18998 failed: port is already allocated',
        'port 127.0.0.1:18998 is already allocated on the server',
      ],
      [
        'Error response from daemon: driver failed programming external connectivity on endpoint x (0e3a): Error starting userland proxy: listen tcp4 127.0.0.1:18999: bind: address already in use',
        'port 127.0.0.1:18999 is already in use on the server',
      ],
      [
        'Error response from daemon: Head "http://127.0.0.1:44201/v2/team/app/manifests/1": no basic auth credentials',
        'the image registry 127.0.0.1:44201 needs a login and the team has none for it (add one under Team settings, Registries)',
      ],
      ['write /var/lib/docker/tmp/x: no space left on device', 'the server has no space left on its disk'],
      [
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
        'the Docker engine could not be reached',
      ],
    ]
    for (const [line, cause] of cases) assert.equal(causeOf([' Container x  Creating', line]), cause, line)
  })

  it('is unknown for output Berth has no sentence for', () => {
    assert.equal(causeOf(['service "app" has neither an image nor a build context specified']), undefined)
  })

  it('keeps only the last lines of a long output', () => {
    const tail = createTail(2)
    for (const line of ['a', 'b', 'c']) tail.push(line)
    assert.deepEqual(tail.lines, ['b', 'c'])
  })
})
