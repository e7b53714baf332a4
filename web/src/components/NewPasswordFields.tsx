import { useState } from 'react'
import { TextField } from './Field'

/** A new password typed twice: its value, whether the two differ, and a reset for after success. */
export function useNewPassword() {
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const mismatch = repeat !== '' && repeat !== password ? 'The two new passwords differ.' : undefined
  return {
    password,
    setPassword,
    repeat,
    setRepeat,
    mismatch,
    clear() {
      setPassword('')
      setRepeat('')
    },
  }
}

/** The "new password" and "repeat" fields of a password form. */
export function NewPasswordFields({
  fields,
  error,
  hint,
}: {
  fields: ReturnType<typeof useNewPassword>
  error: string | undefined
  hint: string
}) {
  return (
    <>
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        value={fields.password}
        onChange={fields.setPassword}
        error={error}
        hint={hint}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        required
        value={fields.repeat}
        onChange={fields.setRepeat}
        error={fields.mismatch}
      />
    </>
  )
}
