import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useMe } from '../api/abilities'
import { call } from '../api/client'
import '../admin.css'
import { errorWithCode, TextField } from '../components/Field'
import { NewPasswordFields, useNewPassword } from '../components/NewPasswordFields'
import { ErrorNotice, SuccessNotice } from '../components/Notice'

export function AccountPage() {
  const me = useMe()
  return (
    <section>
      <h1>Account</h1>
      <p className="muted">
        Signed in as <strong>{me?.user.email}</strong>.
      </p>
      <ChangePassword />
    </section>
  )
}

function ChangePassword() {
  const [current, setCurrent] = useState('')
  const next = useNewPassword()
  const change = useMutation({
    mutationFn: () => call('changeOwnPassword', { body: { current_password: current, new_password: next.password } }),
    onSuccess: () => {
      setCurrent('')
      next.clear()
    },
  })
  const mismatch = next.mismatch
  function submit(event: FormEvent) {
    event.preventDefault()
    if (mismatch) return
    change.mutate()
  }
  const currentError = errorWithCode(change.error, ['wrong_password'])
  const weak = errorWithCode(change.error, ['weak_password'])
  return (
    <form onSubmit={submit} aria-labelledby="password-change">
      <h2 id="password-change">Change your password</h2>
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={setCurrent}
        error={currentError}
      />
      <NewPasswordFields
        fields={next}
        error={weak}
        hint="At least 8 characters. Your other sessions end; this one stays."
      />
      {!currentError && !weak && <ErrorNotice error={change.error} />}
      <SuccessNotice>{change.isSuccess && 'Password changed. Your other sessions were signed out.'}</SuccessNotice>
      <button type="submit" aria-busy={change.isPending} disabled={change.isPending || mismatch !== undefined}>
        Change password
      </button>
    </form>
  )
}
