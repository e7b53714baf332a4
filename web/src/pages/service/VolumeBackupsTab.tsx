import { useQuery } from '@tanstack/react-query'
import type { ServiceVolumeList } from '../../api/backup-types'
import { call } from '../../api/client'
import { QueryState } from '../../components/QueryState'
import { BackupsTab } from './BackupsTab'

/** A plain service's Backups tab: its named volumes on its server, their jobs and runs. */
export function VolumeBackupsTab({ serviceId, serviceName }: { serviceId: string; serviceName: string }) {
  const volumes = useQuery({
    queryKey: ['service-volumes', serviceId],
    queryFn: () => call<ServiceVolumeList>('serviceVolumes', { params: { uuid: serviceId } }),
  })
  return (
    <QueryState query={volumes} what="the service's volumes">
      {(data) => (
        <>
          <h2>Named volumes</h2>
          {data.volumes.length === 0 ? (
            <p className="muted">
              No named volume on the server: deploy the service with volumes declared in its compose file first.
            </p>
          ) : (
            <ul aria-label="Named volumes">
              {data.volumes.map((v) => (
                <li key={v}>
                  <code>{v}</code>
                </li>
              ))}
            </ul>
          )}
          <BackupsTab owner={{ kind: 'volumes', id: serviceId, name: serviceName, volumes: data.volumes }} />
        </>
      )}
    </QueryState>
  )
}
