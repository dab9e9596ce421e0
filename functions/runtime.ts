// The Lambda runtime of every function: functions/bundle.ts builds for it and infra/lambda.ts
// declares the functions with it (declared once, here, where both can import it: infra/ ships in
// the package, the bundler does not).
export const LAMBDA_RUNTIME = 'nodejs22.x';
