import { Link } from 'react-router'

/** Placeholder for areas whose API is not on this build yet (deployments, servers). */
export function NotYetPage({ title, missing = false }: { title: string; missing?: boolean }) {
  return (
    <section>
      <h1>{title}</h1>
      {missing ? (
        <p>
          There is nothing at this address. <Link to="/projects">Back to projects</Link>
        </p>
      ) : (
        <p>
          This part of Berth is not available in this build yet: its API is still being built. It will appear here once
          it ships.
        </p>
      )}
    </section>
  )
}
