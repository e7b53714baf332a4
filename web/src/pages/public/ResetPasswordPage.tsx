import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent } from 'react'
import { useParams } from 'react-router'
import { call } from '../../api/client'
import type { PasswordResetOffer } from '../../api/team-types'
import '../../admin.css'
import { errorWithCode, fieldError } from '../../components/Field'
import { NewPasswordFields, useNewPassword } from '../../components/NewPasswordFields'
import { ErrorNotice, formatTime, Loading } from '../../components/Notice'

/** Where a password reset link lands, without a session: a new password, then the login page. */
export function ResetPasswordPage() {
  const { token = '' } = useParams()
  const offer = useQuery({
    queryKey: ['password-reset', token],
    queryFn: () => call<PasswordResetOffer>('passwordReset', { params: { token } }),
    retry: false,
  })
  const next = useNewPassword()
  const reset = useMutation({
    mutationFn: () => call('resetPassword', { params: { token }, body: { password: next.password } }),
  })
  const mismatch = next.mismatch
  function submit(event: FormEvent) {
    event.preventDefault()
    if (!mismatch) reset.mutate()
  }
  const passwordError = fieldError(reset.error, 'password') ?? errorWithCode(reset.error, ['weak_password'])

  return (
    <main className="container login">
      <article>
        <header>
          <h1>⚓ Set a new password</h1>
          {offer.data && !reset.isSuccess && (
            <p>
              For <strong>{offer.data.email}</strong>. The link works once, until {formatTime(offer.data.expires_at)}.
            </p>
          )}
        </header>
        {reset.isSuccess ? (
          <>
            <p role="status" className="notice notice-ok">
              Your password is set. Every session of your account was signed out.
            </p>
            {/* A full page load: the app starts over at its login gate without the old session. */}
            <a href="/projects" role="button">
              Sign in
            </a>
          </>
        ) : offer.isPending ? (
          <Loading what="the reset link" />
        ) : offer.error ? (
          <>
            <ErrorNotice error={offer.error} />
            <p>
              Ask an instance administrator for a new link, or <a href="/">sign in</a>.
            </p>
          </>
        ) : (
          <form onSubmit={submit} aria-label="Set a new password">
            <input type="email" hidden readOnly autoComplete="username" value={offer.data.email} />
            <NewPasswordFields fields={next} error={passwordError} hint="At least 8 characters." />
            {!passwordError && <ErrorNotice error={reset.error} />}
            <button type="submit" aria-busy={reset.isPending} disabled={reset.isPending || mismatch !== undefined}>
              Set password
            </button>
          </form>
        )}
      </article>
    </main>
  )
}
