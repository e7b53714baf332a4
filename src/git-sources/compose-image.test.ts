import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { composeBuilds, withBuiltImages, withoutHostBindings } from './compose-image.js'

describe('withBuiltImages', () => {
  it('sets the image of the named service, drops its build section and keeps the rest with comments', () => {
    const yaml =
      'services:\n  web:\n    # the site\n    build: .\n    image: old\n    ports: ["8080:80"]\n  db:\n    image: redis\n'
    const out = withBuiltImages(yaml, { web: 'berth/s:abc' })
    assert.equal(
      out,
      'services:\n  web:\n    # the site\n    image: berth/s:abc\n    ports: [ "8080:80" ]\n  db:\n    image: redis\n',
    )
  })

  it('drops pull_policy: build with the build section it needed', () => {
    const out = withBuiltImages('services:\n  api:\n    build: ./api\n    pull_policy: build\n', {
      api: 'berth/s-api:1',
    })
    assert.equal(out, 'services:\n  api:\n    image: berth/s-api:1\n')
  })

  it('keeps the parameters of a template as written, also where one starts a plain value', () => {
    const yaml =
      'services:\n  web:\n    image: shop:{{berth.tag}}\n    ports: ["{{berth.port}}:80"]\n    deploy:\n      replicas: {{berth.count}}\n    environment:\n      TITLE: {{ berth.title }}\n'
    assert.equal(
      withBuiltImages(yaml, { web: 'berth/s:abc' }),
      'services:\n  web:\n    image: berth/s:abc\n    ports: [ "{{berth.port}}:80" ]\n    deploy:\n      replicas: {{berth.count}}\n    environment:\n      TITLE: {{ berth.title }}\n',
    )
    assert.equal(
      withoutHostBindings(yaml),
      'services:\n  web:\n    image: shop:{{berth.tag}}\n    deploy:\n      replicas: {{berth.count}}\n    environment:\n      TITLE: {{ berth.title }}\n',
    )
  })

  it('writes the service around the image when the file has none by that name', () => {
    assert.equal(
      withBuiltImages('services:\n  db:\n    image: redis\n', { web: 'berth/s:abc' }),
      'services:\n  db:\n    image: redis\n  web:\n    image: berth/s:abc\n    restart: unless-stopped\n',
    )
  })
})

describe('composeBuilds', () => {
  const yaml = `services:
  web:
    build: ./site
  api:
    build:
      context: ../api
      dockerfile: docker/Dockerfile.prod
      target: runtime
      args:
        MODE: production
        EMPTY:
  db:
    image: redis
`
  it('resolves each build against the compose file directory and tags it with the commit', () => {
    assert.deepEqual(composeBuilds(yaml, 'deploy', 'svc', 'abc123'), [
      {
        service: 'api',
        context: 'api',
        dockerfile: 'api/docker/Dockerfile.prod',
        args: { MODE: 'production' },
        target: 'runtime',
        image: 'berth/svc-api:abc123',
      },
      {
        service: 'web',
        context: 'deploy/site',
        dockerfile: 'deploy/site/Dockerfile',
        args: {},
        target: null,
        image: 'berth/svc-web:abc123',
      },
    ])
  })

  it('reads list-form args', () => {
    const [build] = composeBuilds('services:\n  a:\n    build:\n      args: ["X=1", "Y"]\n', '', 's', 'c')
    assert.deepEqual(build!.args, { X: '1' })
  })

  it('refuses a context outside the repository, a remote context and options it does not build', () => {
    assert.throws(
      () => composeBuilds('services:\n  a:\n    build: ../..\n', 'deploy', 's', 'c'),
      /outside the repository/,
    )
    assert.throws(
      () => composeBuilds('services:\n  a:\n    build: https://github.com/x/y.git\n', '', 's', 'c'),
      /outside the repository/,
    )
    assert.throws(
      () => composeBuilds('services:\n  a:\n    build:\n      dockerfile_inline: FROM x\n', '', 's', 'c'),
      /uses dockerfile_inline, which Berth does not build/,
    )
  })
})

describe('withoutHostBindings', () => {
  it('drops host ports and fixed container names, keeping the rest', () => {
    const yaml =
      'services:\n  web:\n    image: x\n    container_name: site\n    ports: ["8080:80"]\n    expose: ["80"]\n'
    assert.equal(withoutHostBindings(yaml), 'services:\n  web:\n    image: x\n    expose: [ "80" ]\n')
  })
})
