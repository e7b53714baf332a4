import type { Database } from '../../api/admin-types'
import { formatTime } from '../../components/Notice'
import { MASK, SecretValue } from '../../components/SecretValue'

/** How to reach a database: its connection string (masked until Reveal), image, user, volume, port. */
export function ConnectionFacts({ database: d }: { database: Database }) {
  return (
    <dl className="facts">
      <dt>Connection string (inside the Docker network)</dt>
      <dd>
        {/* The API masks the password itself without read:sensitive; with it, the page masks it until Reveal. */}
        <SecretValue
          name={`connection string of ${d.name}`}
          value={d.internal_url}
          available={!d.password_masked}
          hidden={d.internal_url.replace(/:\/\/([^:]+):[^@]*@/, `://$1:${MASK}@`)}
          copy
          testId={`connection-${d.name}`}
        />
      </dd>
      <dt>Image</dt>
      <dd>
        <code>{d.image}</code>
      </dd>
      <dt>User and database</dt>
      <dd>
        <code>{d.username}</code> / <code>{d.database}</code>
      </dd>
      <dt>Volume</dt>
      <dd>
        <code>{d.volume_name}</code>
      </dd>
      {d.public_port !== null && (
        <>
          <dt>Published on host port</dt>
          <dd>{d.public_port}</dd>
        </>
      )}
      <dt>Created</dt>
      <dd>{formatTime(d.created_at)}</dd>
    </dl>
  )
}
