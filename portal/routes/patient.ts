// The patient page: the person whose fiscal code is sealed in the path (a link of the list, valid
// for the session's life), the fields the role may read, and their timeline across published
// imports; every view is written to the audit log in the same transaction. A value that does not
// open (altered, another session's, another purpose's) is the same 404 as another scope's person.
import type { FastifyPluginAsync } from 'fastify';
import { formatDate, HttpError, isoDay, sessionSeal } from '../common.ts';
import { h, layout, scrollBox } from '../html.ts';
import { FIELD_LABEL, quarantineCell } from '../labels.ts';
import { readableColumns } from '../queries/columns.ts';
import {
  PATIENT_FIELDS,
  patientTimelineStatement,
  patientViewStatement,
  type PatientField,
  type TimelineRow,
} from '../queries/patient.ts';

const patient: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config } = portal;

  app.get('/persone/:sealed', async (req, reply) => {
    const sealed = String((req.params as { sealed: string }).sealed);
    let fields: PatientField[] = [];
    // One round trip: the session, the person's row with the view's audit row, the timeline.
    return portal.onceAsUser(
      req,
      reply,
      async (guess) => {
        const fiscalCode = sessionSeal(config, req.portal.sessionToken).open('patient', sealed);
        if (fiscalCode === undefined || !/^[A-Z0-9]{16}$/.test(fiscalCode))
          throw new HttpError(404, 'notFound');
        const readable = await readableColumns(portal.pool, guess.dbRole, 'qdp.quarantines');
        fields = PATIENT_FIELDS.filter((f) => readable.has(f));
        const importId = guess.latestImport?.id ?? null;
        return [
          patientViewStatement(
            guess.dbRole,
            fields,
            fiscalCode,
            importId,
            portal.clientAddress(req),
          ),
          patientTimelineStatement(fiscalCode),
        ];
      },
      (viewer, [found, timelineRows]) => {
        const row = found![0];
        if (!row) throw new HttpError(404, 'notFound');
        const timeline = timelineRows as unknown as TimelineRow[];
        const ctx = portal.pageContext(req, reply, viewer);
        const { t, lang } = ctx;
        const value = (f: (typeof fields)[number]): string => {
          const v = row[f];
          if (f === 'reason' || f === 'change') return quarantineCell(f, v, t, lang);
          if (v instanceof Date) return formatDate(isoDay(v), lang);
          return v === null || v === undefined ? '' : String(v);
        };
        const body = h`<h1 class="h3">${t('patientTitle')}: <bdi>${String(row.surname ?? '')} ${String(row.name ?? '')}</bdi></h1>
<dl class="row wrap-anywhere" data-testid="patient-fields">${fields.map(
          (f) =>
            h`<dt class="col-sm-4" data-field="${f}">${t(FIELD_LABEL[f])}</dt><dd class="col-sm-8" data-value="${f}">${value(f)}</dd>`,
        )}</dl>
<h2 class="h4 mt-4">${t('timeline')}</h2>
<div ${scrollBox(t('timeline'))}><table class="table table-sm" data-testid="timeline">
<thead><tr><th scope="col">${t('importCol')}</th><th scope="col">${t('publishedAt')}</th><th scope="col">${t('start')}</th><th scope="col">${t('end')}</th><th scope="col">${t('change')}</th></tr></thead>
<tbody>${timeline.map(
          (r) =>
            h`<tr><td>${r.import_id}</td><td>${formatDate(r.reference_day ? isoDay(r.reference_day) : null, lang)}</td><td>${formatDate(isoDay(r.start_date), lang)}</td><td>${formatDate(isoDay(r.end_date), lang)}</td><td>${quarantineCell('change', r.change, t, lang)}</td></tr>`,
        )}</tbody></table></div>
<details class="mt-4"><summary>${t('purpose')}</summary><p>${viewer.purpose}</p><p class="small">${viewer.legalBasis}</p></details>`;
        return portal.send(reply, layout(ctx, t('patientTitle'), body));
      },
    );
  });
};

export default patient;
