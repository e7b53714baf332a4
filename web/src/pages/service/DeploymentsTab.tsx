import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { call } from '../../api/client'
import { deploymentKeys, RESOURCE_ROUTES, type DeploymentList, type ResourceType } from '../../api/deployments'
import { DeploymentsTable } from '../../components/DeploymentsTable'
import { ErrorNotice, Loading } from '../../components/Notice'
import { Pager } from '../../components/Pager'
import type { Service } from '../../api/types'
import { HealthSettings } from './HealthSettings'

const PAGE_SIZE = 20

/** One service's deployments, newest first, with its health settings. */
export function DeploymentsTab({ service }: { service: Service }) {
  return (
    <ResourceDeployments resourceId={service.uuid} type="service">
      <HealthSettings service={service} />
    </ResourceDeployments>
  )
}

/** A service's or database's deployments, newest first (its page keeps them live). */
export function ResourceDeployments({
  resourceId,
  type,
  children,
}: {
  resourceId: string
  type: ResourceType
  children?: React.ReactNode
}) {
  const [page, setPage] = useState(0)
  const list = useQuery({
    queryKey: deploymentKeys.resource(resourceId, page),
    queryFn: () =>
      call<DeploymentList>(RESOURCE_ROUTES[type].deployments, {
        params: { uuid: resourceId },
        query: { skip: page * PAGE_SIZE, take: PAGE_SIZE },
      }),
    placeholderData: keepPreviousData,
  })
  if (list.isPending) return <Loading what="the deployments" />
  if (list.error) return <ErrorNotice error={list.error} />
  return (
    <section aria-labelledby="resource-deployments-title">
      <h2 id="resource-deployments-title">Deployments</h2>
      {children}
      {list.data.count === 0 ? (
        <p>This {type} has not been deployed yet.</p>
      ) : (
        <>
          <DeploymentsTable
            deployments={list.data.deployments}
            label={`Deployments of this ${type}, newest first`}
            showResource={false}
          />
          <Pager page={page} pageSize={PAGE_SIZE} count={list.data.count} onPage={setPage} />
        </>
      )}
    </section>
  )
}
