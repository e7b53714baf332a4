import { useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { routeUrl } from './client'
import { deploymentKeys } from './deployments'

/**
 * Keeps every deployment list, badge and page current while mounted: the team's event stream
 * pushes each status change, and each one (or a reconnect, after which changes may have been
 * missed) refetches what is on screen. The browser reconnects the stream by itself.
 */
export function useDeploymentEvents(): void {
  const queryClient = useQueryClient()
  useEffect(() => {
    const source = new EventSource(routeUrl('teamEvents'))
    const refresh = () => void queryClient.invalidateQueries({ queryKey: deploymentKeys.all })
    let connectedBefore = false
    source.addEventListener('ready', () => {
      if (connectedBefore) refresh()
      connectedBefore = true
    })
    source.addEventListener('deployment', refresh)
    return () => source.close()
  }, [queryClient])
}
