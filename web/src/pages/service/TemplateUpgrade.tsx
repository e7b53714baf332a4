import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { ServiceTemplate, TemplateUpgrade as Upgrade } from '../../api/types'
import { DiffView } from '../../components/DiffView'
import { ErrorNotice, SuccessNotice } from '../../components/Notice'
import { SecretValue } from '../../components/SecretValue'

/**
 * For a service created from a catalog template: says when the catalog holds a newer version,
 * shows the diff the upgrade would write, and applies it as a new compose version.
 */
export function TemplateUpgrade({ serviceId }: { serviceId: string }) {
  const mayWrite = useAbility('write')
  const queryClient = useQueryClient()
  const origin = useQuery({
    queryKey: ['service-template', serviceId],
    // template null: the service was not created from a template, which is nothing to show.
    queryFn: () => call<{ template: ServiceTemplate | null }>('serviceTemplate', { params: { uuid: serviceId } }),
  })
  const upgrade = (dryRun: boolean) =>
    call<Upgrade>('upgradeServiceTemplate', { params: { uuid: serviceId }, body: { dry_run: dryRun } })
  const plan = useMutation({ mutationFn: () => upgrade(true) })
  const apply = useMutation({
    mutationFn: () => upgrade(false),
    onSuccess: () =>
      queryClient.invalidateQueries({ predicate: (q) => JSON.stringify(q.queryKey).includes(serviceId) }),
  })
  const o = origin.data?.template
  if (apply.data)
    return (
      <div>
        <SuccessNotice>
          Upgraded to {apply.data.to}: compose version {apply.data.compose_version}. Deploy it to run the new version.
        </SuccessNotice>
        {apply.data.secrets.map((s) => (
          <p key={s.key}>
            New secret {s.key}: <SecretValue name={s.key} value={s.value} available={!s.masked} copy />
          </p>
        ))}
      </div>
    )
  if (!o) return <ErrorNotice error={origin.error} />
  if (!o.upgrade_available)
    return (
      <p>
        <small>
          From template {o.template_name} {o.version}
        </small>
      </p>
    )
  return (
    <section aria-label="Template upgrade">
      <p role="status">
        Template {o.template_name} {o.latest_version} is available; this service is at {o.version}.{' '}
        {mayWrite && !plan.data && (
          <button type="button" className="outline small" onClick={() => plan.mutate()} aria-busy={plan.isPending}>
            Review upgrade
          </button>
        )}
      </p>
      <ErrorNotice error={plan.error ?? apply.error} />
      {plan.data && (
        <>
          <DiffView diff={plan.data.diff} layout="line-by-line" />
          {plan.data.new_secret_keys.length > 0 && (
            <p>New secrets to generate: {plan.data.new_secret_keys.join(', ')}.</p>
          )}
          <button type="button" onClick={() => apply.mutate()} aria-busy={apply.isPending} disabled={apply.isPending}>
            Apply upgrade to {plan.data.to}
          </button>
        </>
      )}
    </section>
  )
}
