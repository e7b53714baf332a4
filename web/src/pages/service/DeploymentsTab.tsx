import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { call } from '../../api/client'
import { deploymentKeys, type DeploymentList } from '../../api/deployments'
import { DeploymentsTable } from '../../components/DeploymentsTable'
import { ErrorNotice, Loading } from '../../components/Notice'
import { Pager } from '../../components/Pager'
import type { Service } from '../../api/types'
import { HealthSettings } from './HealthSettings'

const PAGE_SIZE = 20

/** One service's deployments, newest first (the service page keeps them live). */
export function DeploymentsTab({ service }: { service: Service }) {
  const serviceId = service.uuid
  const [page, setPage] = useState(0)
  const list = useQuery({
    queryKey: deploymentKeys.resource(serviceId, page),
    queryFn: () =>
      call<DeploymentList>('serviceDeployments', {
        params: { uuid: serviceId },
        query: { skip: page * PAGE_SIZE, take: PAGE_SIZE },
      }),
    placeholderData: keepPreviousData,
  })
  if (list.isPending) return <Loading what="the deployments" />
  if (list.error) return <ErrorNotice error={list.error} />
  return (
    <section aria-labelledby="service-deployments-title">
      <h2 id="service-deployments-title">Deployments</h2>
      <HealthSettings service={service} />
      {list.data.count === 0 ? (
        <p>This service has not been deployed yet.</p>
      ) : (
        <>
          <DeploymentsTable
            deployments={list.data.deployments}
            label="Deployments of this service, newest first"
            showResource={false}
          />
          <Pager page={page} pageSize={PAGE_SIZE} count={list.data.count} onPage={setPage} />
        </>
      )}
    </section>
  )
}
