import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withBuiltImage } from './compose-image.js'

describe('withBuiltImage', () => {
  it('sets the image of the named service, drops its build section and keeps the rest with comments', () => {
    const yaml =
      'services:\n  web:\n    # the site\n    build: .\n    image: old\n    ports: ["8080:80"]\n  db:\n    image: redis\n'
    const out = withBuiltImage(yaml, 'web', 'berth/s:abc')
    assert.equal(
      out,
      'services:\n  web:\n    # the site\n    image: berth/s:abc\n    ports: [ "8080:80" ]\n  db:\n    image: redis\n',
    )
  })

  it('refuses a compose file without that service', () => {
    assert.throws(() => withBuiltImage('services:\n  api:\n    image: x\n', 'web', 'i'), /no service "web"/)
  })
})
