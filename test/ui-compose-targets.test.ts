import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { composeTargets } from '../web/src/pages/project/composeTargets.js'

// The route form offers the compose services and container ports of the stored compose file.
describe('composeTargets (route form pickers)', () => {
  it('lists each compose service with the container side of its ports and expose entries', () => {
    const yaml = `services:
  web:
    image: nginx
    ports:
      - "127.0.0.1:8080:80/tcp"
      - 443
      - target: 8443
        published: 9443
  api:
    image: app
    expose: ["3000", "3000"]
  worker:
    image: app
`
    assert.deepEqual(composeTargets(yaml), [
      { name: 'web', ports: [80, 443, 8443] },
      { name: 'api', ports: [3000] },
      { name: 'worker', ports: [] },
    ])
  })

  it('offers nothing for a file that does not parse or has no services', () => {
    assert.deepEqual(composeTargets('services: [unclosed'), [])
    assert.deepEqual(composeTargets('version: "3"'), [])
  })
})
