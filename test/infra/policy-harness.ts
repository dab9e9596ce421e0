// Runs @pulumi/policy rules over the resources recorded under mocks, without the Pulumi CLI:
// a `PolicyPack` starts a gRPC server for the CLI, so the rules are called directly, with the
// arguments the engine would give them (type, props, urn, name, and for stack rules every
// resource with its property dependencies).
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import type { Recorded } from './mocks.ts';

export interface Violation {
  policy: string;
  message: string;
}

/** Every string inside a value (the ids an input was given appear as strings under mocks). */
function strings(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, into);
  else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) strings(v, into);
  }
  return into;
}

/**
 * The resources as policy rules see them. A property depends on another resource when it holds
 * that resource's id: under mocks ids are unique (`<name>-id-<n>`), so this is exactly the
 * resources whose `id` Output the property was given, as the engine records it.
 */
export function policyResources(recorded: Recorded[]): PolicyResource[] {
  const custom = recorded.filter((r) => r.custom);
  const byId = new Map<string, PolicyResource>();
  const resources = custom.map((r): PolicyResource => {
    const resource: PolicyResource = {
      type: r.type,
      props: r.tags === undefined ? r.inputs : { ...r.inputs, tags: r.tags },
      urn: r.urn ?? `urn:${r.type}::${r.name}`,
      name: r.name,
      opts: {} as PolicyResource['opts'],
      dependencies: [],
      propertyDependencies: {},
      isType: () => {
        throw new Error('policy-harness: rules compare args.type instead of isType');
      },
      asType: () => {
        throw new Error('policy-harness: rules read props instead of asType');
      },
    };
    byId.set(r.id, resource);
    return resource;
  });
  for (const resource of resources) {
    for (const [property, value] of Object.entries(resource.props)) {
      const deps = [...strings(value)].flatMap((s) => byId.get(s) ?? []);
      if (deps.length > 0) {
        resource.propertyDependencies[property] = deps;
        resource.dependencies.push(...deps.filter((d) => !resource.dependencies.includes(d)));
      }
    }
  }
  return resources;
}

function notApplicable(reason?: string): never {
  throw new Error(`policy-harness: notApplicable is not expected (${reason ?? ''})`);
}

/** Runs each rule over the resources; returns every violation, in rule order. */
export async function runPolicies(
  policies: (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: PolicyResource[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    const report = (message: string) => void violations.push({ policy: policy.name, message });
    if ('validateStack' in policy && policy.validateStack !== undefined) {
      await policy.validateStack(
        { resources, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable },
        report,
      );
    }
    if ('validateResource' in policy && policy.validateResource !== undefined) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const r of resources) {
        const args: ResourceValidationArgs = {
          type: r.type,
          props: r.props,
          urn: r.urn,
          name: r.name,
          opts: {} as ResourceValidationArgs['opts'],
          stackTags: new Map(),
          isType: r.isType,
          asType: () => {
            throw new Error('policy-harness: rules read props instead of asType');
          },
          getConfig: <T>() => ({}) as T,
          notApplicable,
        };
        for (const validate of validations) await validate(args, report);
      }
    }
  }
  return violations;
}
