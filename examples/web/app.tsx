// The page: the seed's User filling in field by field, a progress bar, a retry shown live, a
// Stop button, and a list that grows one complete user at a time. Everything it shows comes
// from formwork/react over the patch stream; the page holds no parser and no schema.
import { memo, useEffect, useState } from "react";
import { useIterable, usePartial, type FieldState } from "formwork/react";
import { USER_FIELDS, type User } from "./user.js";

function Field({ name, value, state }: { name: string; value: string; state: FieldState }) {
  return (
    <div className="field" data-field={name} data-state={state}>
      <span className="label">{name}</span>
      <output className="value" data-testid={`field-${name}`}>
        {value}
      </output>
      <span className={`badge ${state}`}>{state}</span>
    </div>
  );
}

// Memoised: a finished user keeps its identity, so adding another re-renders only the new one.
const UserCard = memo(function UserCard({ user, isPartial }: { user: Partial<User>; isPartial?: boolean }) {
  return (
    <li className={isPartial === true ? "user partial" : "user"} data-testid={isPartial === true ? "user-partial" : "user"}>
      <strong>{user.name ?? "…"}</strong>
      <span className="age">{user.age ?? "…"}</span>
      <p>{user.bio ?? ""}</p>
    </li>
  );
});

function ProfileForm() {
  const { value, final, progress, state, attempt, error, isLoading, submit, stop } = usePartial<User>({ api: "/api/user" });
  const percent = Math.round(progress.ratio * 100);
  return (
    <section className="card">
      <h2>A profile, filling in</h2>
      <div className="actions">
        <button onClick={() => submit({})} disabled={isLoading}>
          Stream a user
        </button>
        <button onClick={() => submit({ retry: true })} disabled={isLoading}>
          Stream with a retry
        </button>
        <button className="stop" onClick={stop} disabled={!isLoading}>
          Stop
        </button>
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} data-testid="progress">
        <div className="bar" style={{ width: `${percent}%` }} />
        <span>{percent}%</span>
      </div>
      <div className="attempt" data-testid="attempt" data-attempt={attempt}>
        {attempt > 1 ? `Attempt ${attempt}: the first answer did not fit the schema, so the errors went back to the model and the form started over.` : "Attempt 1"}
      </div>
      {USER_FIELDS.map((field) => (
        <Field key={field} name={field} value={value?.[field] === undefined ? "" : String(value[field])} state={state([field])} />
      ))}
      <div className="status" data-testid="status">
        {isLoading ? "streaming…" : error !== undefined ? `${(error as Error).name}: ${(error as Error).message}` : final !== undefined ? "done: validated" : value !== undefined ? "stopped" : "idle"}
      </div>
      {final !== undefined && <pre data-testid="final">{JSON.stringify(final)}</pre>}
    </section>
  );
}

function UserList() {
  const { items, partial, isLoading, error, submit, stop } = useIterable<User>({ api: "/api/users" });
  return (
    <section className="card">
      <h2>A list, one complete user at a time</h2>
      <div className="actions">
        <button onClick={() => submit({})} disabled={isLoading}>
          Stream users
        </button>
        <button className="stop" onClick={stop} disabled={!isLoading}>
          Stop
        </button>
        <span className="count" data-testid="count">
          {items.length} complete{isLoading ? ", writing…" : ""}
        </span>
      </div>
      <ul className="users">
        {items.map((user, index) => (
          <UserCard key={index} user={user} />
        ))}
        {partial !== undefined && <UserCard user={partial} isPartial />}
      </ul>
      {error !== undefined && <div className="status">{(error as Error).message}</div>}
    </section>
  );
}

export function App() {
  const [info, setInfo] = useState<{ isOffline: boolean; model: string } | undefined>();
  useEffect(() => {
    void fetch("/api/info")
      .then((response) => response.json() as Promise<{ isOffline: boolean; model: string }>)
      .then(setInfo);
  }, []);
  return (
    <main>
      <header>
        <h1>formwork</h1>
        <p>Typed partials in the browser: the server sends only what changed, as patches; the page applies them.</p>
        <p className="source" data-testid="source">
          {info === undefined ? "" : info.isOffline ? "Offline model server (set OPENAI_API_KEY or OPENAI_BASE_URL for a real model)" : `Model: ${info.model}`}
        </p>
      </header>
      <ProfileForm />
      <UserList />
    </main>
  );
}
