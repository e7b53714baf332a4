import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { ErrorNotice, Loading } from './Notice'

/** A query's loading and error states, then its data. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: UseQueryResult<T>
  what: string
  children: (data: T) => ReactNode
}) {
  if (query.isPending) return <Loading what={what} />
  if (query.isError) return <ErrorNotice error={query.error} />
  return <>{children(query.data)}</>
}
