import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import type { RouterOutputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { describeError } from '../api/errors';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading, Notice } from '../ui/states';

type Skill = RouterOutputs['catalog']['skills'][number];

const KIND_LABEL: Record<Skill['kind'], string> = {
  aisp: 'Accounts and transactions',
  pisp: 'Payments',
  marketplace: 'Marketplace',
};

/** The banks on offer, grouped by bank; choosing one starts its connect flow. */
export function CatalogPage() {
  useTitle('Connect a bank');
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const skills = useQuery(tenant.catalog.skills.queryOptions());
  const start = useMutation(
    tenant.connect.start.mutationOptions({
      onSuccess: (answer, { skillId }) => {
        queryClient.setQueryData(tenant.connect.get.queryKey({ sessionId: answer.sessionId }), answer);
        const bank = skills.data?.find((skill) => skill.id === skillId)?.servicer.name;
        void navigate({
          to: '/connect/$sessionId',
          params: { sessionId: answer.sessionId },
          search: { bank },
        });
      },
    }),
  );

  return (
    <>
      <h1>Connect a bank</h1>
      <p className="lead">
        Choose your bank. You approve access on the bank’s side; Tenant keeps only the access your bank
        grants, encrypted.
      </p>
      {start.error ? <Notice tone="error">{describeError(start.error)}</Notice> : null}
      {skills.isPending ? (
        <Loading what="banks" />
      ) : skills.isError ? (
        <ErrorState error={skills.error} retry={() => void skills.refetch()} />
      ) : skills.data.length === 0 ? (
        <Empty title="No banks are available yet." />
      ) : (
        <ul className="banks">
          {groupByBank(skills.data).map(([bank, offers]) => (
            <li key={bank.code} className="card">
              <h2>{bank.name}</h2>
              <p className="muted">{bank.country}</p>
              <ul className="offers">
                {offers.map((skill) => (
                  <li key={skill.id}>
                    <span>{KIND_LABEL[skill.kind]}</span>
                    {skill.kind === 'pisp' ? (
                      <Link
                        to="/pay"
                        search={{ skill: skill.id }}
                        className="button primary"
                        aria-label={`Pay with ${skill.name}`}
                      >
                        Pay
                      </Link>
                    ) : (
                      <button
                        type="button"
                        className="button primary"
                        aria-label={`Connect ${skill.name}`}
                        disabled={start.isPending}
                        onClick={() => start.mutate({ skillId: skill.id })}
                      >
                        Connect
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function groupByBank(skills: Skill[]): [Skill['servicer'], Skill[]][] {
  const groups = new Map<string, [Skill['servicer'], Skill[]]>();
  for (const skill of skills) {
    const group = groups.get(skill.servicer.code) ?? [skill.servicer, []];
    group[1].push(skill);
    groups.set(skill.servicer.code, group);
  }
  const order = { aisp: 0, pisp: 1, marketplace: 2 };
  return [...groups.values()]
    .map(([bank, offers]): [Skill['servicer'], Skill[]] => [
      bank,
      offers.sort((a, b) => order[a.kind] - order[b.kind]),
    ])
    .sort(([a], [b]) => a.name.localeCompare(b.name));
}
