import type { DemoCauseCode } from './catalog.js';
import type { RandomSource } from './random.js';

/** Language an operator of a site writes event descriptions in. */
export type OperatorLanguage = 'en' | 'es';

/** `HH:MM` of fractional hours after midnight. */
export function clockTime(hours: number): string {
  const minutes = Math.round(hours * 60);
  const hh = Math.floor(minutes / 60) % 24;
  const mm = minutes % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
}

type Template = (assetId: string) => string;

const MINOR_TEMPLATES: Record<OperatorLanguage, Partial<Record<DemoCauseCode, readonly Template[]>>> = {
  en: {
    'CMP-TRIP': [
      (id) =>
        `${id} tripped on high vibration (VSHH) on the 2nd stage; bearing readings checked, reset and restarted.`,
      (id) =>
        `${id} tripped on low suction pressure after a liquid slug; suction scrubber drained and unit restarted.`,
      (id) => `${id} lube oil low-pressure trip; duplex filter changed over and compressor restarted.`,
    ],
    'PMP-FAIL': [
      (id) => `${id} tripped on high motor winding temperature; changed over to the standby pump.`,
      (id) => `${id} lost prime after tank low level; pump vented and restarted.`,
    ],
    'SEP-HLL': [
      (id) =>
        `${id} shut in on high-high liquid level (LSHH) after a slug; level control valve freed and restarted.`,
      (id) => `${id} high level trip caused by a sticking dump valve; valve stroked and returned to service.`,
    ],
    'HYD-PLUG': [
      (id) =>
        `${id} flowline pressure rising, hydrate restriction suspected; methanol injected and line cleared.`,
      (id) => `${id} wax build-up in the flowline; hot-oiled and returned to production.`,
    ],
    'INST-FLT': [
      (id) =>
        `${id} shut in by a faulty pressure transmitter reading; transmitter replaced and loop checked.`,
      (id) =>
        `${id} RTU communication loss; well shut in by the fail-safe logic until the link was restored.`,
    ],
    'WELL-SD': [
      (id) =>
        `${id} shut in by the surface safety valve on high flowline pressure; walkdown found no cause, restarted.`,
      (id) => `${id} shut in on a choke erosion alarm; choke inspected and well restarted.`,
    ],
    'MNT-PLN': [
      (id) => `${id} planned well test and wireline pressure gauge run.`,
      (id) => `${id} planned preventive maintenance (quarterly PM).`,
    ],
  },
  es: {
    'SEP-HLL': [
      (id) =>
        `${id} parada por alto nivel de líquido (LSHH) tras un bache; se liberó la válvula de control y se rearrancó.`,
      (id) => `${id} disparo por alto nivel: válvula de descarga trabada; se accionó y volvió a servicio.`,
    ],
    'HYD-PLUG': [
      (id) =>
        `${id} con aumento de presión en la línea de flujo, posible hidrato; se inyectó metanol y se despejó.`,
      (id) =>
        `${id} con parafina en la línea de flujo; se hizo limpieza con aceite caliente y volvió a producir.`,
    ],
    'INST-FLT': [
      (id) => `${id} cerrado por lectura falsa del transmisor de presión; se reemplazó el transmisor.`,
      (id) =>
        `${id} sin comunicación con la RTU; cierre por lógica de falla segura hasta restablecer el enlace.`,
    ],
    'WELL-SD': [
      (id) =>
        `${id} cerrado por la válvula de seguridad de superficie por alta presión; recorrida sin hallazgos, rearrancado.`,
      (id) =>
        `${id} cerrado por alarma de erosión del orificio (choke); se inspeccionó y se reabrió el pozo.`,
    ],
    'MNT-PLN': [
      (id) => `${id} ensayo de pozo programado y bajada de registrador de presión con wireline.`,
      (id) => `${id} mantenimiento preventivo programado (trimestral).`,
    ],
  },
};

/** A free-text description of a minor event, in the operator language of the site. */
export function minorEventDescription(
  random: RandomSource,
  language: OperatorLanguage,
  cause: DemoCauseCode,
  assetId: string,
): string {
  const templates = MINOR_TEMPLATES[language][cause] ?? MINOR_TEMPLATES.en[cause] ?? [];
  const template = templates[Math.floor(random() * templates.length)];
  return template ? template(assetId) : `${assetId}: ${cause}.`;
}

const FACILITY_MAINTENANCE: Record<OperatorLanguage, readonly Template[]> = {
  en: [
    (id) =>
      `${id} quarterly preventive maintenance: vibration survey, coupling alignment, lube oil change. No production impact.`,
    (id) =>
      `${id} planned mechanical seal inspection and motor insulation test; unit on standby, no production impact.`,
  ],
  es: [
    (id) =>
      `${id} mantenimiento preventivo trimestral: análisis de vibraciones, alineación y cambio de aceite. Sin impacto en producción.`,
    (id) =>
      `${id} inspección programada de sello mecánico y prueba de aislación del motor; sin impacto en producción.`,
  ],
};

/** Description of planned maintenance on a facility that does not stop production. */
export function facilityMaintenanceDescription(
  random: RandomSource,
  language: OperatorLanguage,
  assetId: string,
): string {
  const templates = FACILITY_MAINTENANCE[language];
  const template = templates[Math.floor(random() * templates.length)] ?? templates[0];
  return template ? template(assetId) : `${assetId}: MNT-PLN.`;
}

/** Description of a well row that records the volume a facility stop deferred. */
export function deferredByFacilityDescription(
  language: OperatorLanguage,
  wellId: string,
  facilityId: string,
  from: string,
  to: string,
): string {
  return language === 'es'
    ? `${wellId} cerrado mientras ${facilityId} estuvo fuera de servicio (${from}–${to}); volumen diferido estimado con el caudal previo.`
    : `${wellId} shut in while ${facilityId} was down (${from}–${to}); deferred volume estimated from the prior rate.`;
}
