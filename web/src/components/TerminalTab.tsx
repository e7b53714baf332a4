import { lazy, Suspense } from 'react'
import type { ResourceType } from '../api/deployments'
import { Loading } from './Notice'

// xterm.js is a large part of the bundle: it loads when a terminal is opened, not with every page.
const ContainerTerminal = lazy(() => import('./ContainerTerminal').then((m) => ({ default: m.ContainerTerminal })))

/** The Terminal tab of a service or database page. */
export function TerminalTab(props: { resourceId: string; type: ResourceType }) {
  return (
    <Suspense fallback={<Loading what="the terminal" />}>
      <ContainerTerminal {...props} />
    </Suspense>
  )
}
