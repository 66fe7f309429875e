"""The Self-health dashboard (dashboards/en/self.json, dashboards/fr/self.json)."""

from __future__ import annotations

from dashboards.kit import T, dashboard, datasource_var, panel, q, query_var, row

DASHBOARD = dashboard(
    'tierwatch-self',
    T('tierwatch / Self-health', 'tierwatch / Santé de tierwatch'),
    T('The collector, the agents and their spools, polls, and Prometheus rules.',
      "Le collecteur, les agents et leurs files d'attente, les interrogations, et les règles Prometheus."),
    ['tierwatch', 'self'],
    [
        datasource_var(),
    ],
    [
        row(T('Collector', 'Collecteur'), 0),
        panel('stat',
          T('Collectors up', 'Collecteurs actifs'),
          (0, 1, 4, 4),
          [q('sum(up{job="tierwatch-collector"})', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'red', 'value': None}, {'color': 'green', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Live series', 'Séries actives'),
          (4, 1, 4, 4),
          [q('sum(tierwatch_collector_live_series)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {'mode': 'absolute', 'steps': [{'color': 'green', 'value': None}]},
                    'color': {'mode': 'thresholds'},
                },
            },
            'options': {'colorMode': 'value'},
        }),
        panel('stat',
          T('Targets polled', 'Cibles interrogées'),
          (8, 1, 4, 4),
          [q('count(tierwatch_target_up)', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {'mode': 'absolute', 'steps': [{'color': 'green', 'value': None}]},
                    'color': {'mode': 'thresholds'},
                },
            },
            'options': {'colorMode': 'value'},
        }),
        panel('stat',
          T('Scrape duration', 'Durée de collecte'),
          (12, 1, 4, 4),
          [q('max(scrape_duration_seconds{job="tierwatch-collector"})', instant=True)],
          unit='s',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 2},
                            {'color': 'red', 'value': 5},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('stat',
          T('Samples per scrape', 'Échantillons par collecte'),
          (16, 1, 4, 4),
          [q('sum(scrape_samples_scraped{job="tierwatch-collector"})', instant=True)],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {'mode': 'absolute', 'steps': [{'color': 'green', 'value': None}]},
                    'color': {'mode': 'thresholds'},
                },
            },
            'options': {'colorMode': 'value'},
        }),
        panel('stat',
          T('Rules failing', 'Règles en échec'),
          (20, 1, 4, 4),
          [q('sum(rate(prometheus_rule_evaluation_failures_total[5m])) or vector(0)', instant=True)],
          unit='none',
          description=T('Rule evaluations failing in Prometheus itself.',
          'Évaluations de règles en échec dans Prometheus lui-même.'),
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'red', 'value': 0.0001}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        panel('timeseries',
          T('Ingested batches', 'Lots reçus'),
          (0, 5, 12, 8),
          [q('sum by (result, reason) (rate(tierwatch_collector_batches_total[$__rate_interval]))', '{{result}} {{reason}}')],
          unit='reqps'),
        panel('timeseries',
          T('Ingested readings', 'Mesures reçues'),
          (12, 5, 12, 8),
          [q('sum by (result, reason) (rate(tierwatch_collector_readings_total[$__rate_interval]))', '{{result}} {{reason}}')],
          unit='rps'),
        panel('timeseries',
          T('Ingest latency', 'Latence de réception'),
          (0, 13, 12, 8),
          [q('histogram_quantile(0.99, sum by (le) (rate(tierwatch_collector_ingest_duration_seconds_bucket[$__rate_interval])))', 'p99'), q('histogram_quantile(0.5, sum by (le) (rate(tierwatch_collector_ingest_duration_seconds_bucket[$__rate_interval])))', 'p50')],
          unit='s'),
        panel('timeseries',
          T('Series expired', 'Séries expirées'),
          (12, 13, 12, 8),
          [q('sum(rate(tierwatch_collector_expired_series_total[$__rate_interval]))', T('expired/s', 'expirées/s'))],
          unit='ops'),
        row('Agents', 21),
        panel('table',
          T("Time since each agent's last batch", 'Temps depuis le dernier lot de chaque agent'),
          (0, 22, 8, 8),
          [q('time() - tierwatch_collector_agent_last_batch_timestamp_seconds', instant=True, fmt='table')],
          unit='s',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [
                            {'color': 'green', 'value': None},
                            {'color': 'orange', 'value': 60},
                            {'color': 'red', 'value': 120},
                        ],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
            'transformations': [
                {
                    'id': 'organize',
                    'options': {
                        'excludeByName': {'Time': True, '__name__': True, 'job': True, 'instance': True},
                        'renameByName': {'Value': T('Silent for', 'Silencieux depuis')},
                    },
                },
            ],
        }),
        panel('timeseries',
          T('Spool items', "Éléments en file d'attente"),
          (8, 22, 8, 8),
          [q('tierwatch_agent_outbox_items', '{{agent}}')],
          unit='none'),
        panel('timeseries',
          T('Spool dropped', "Éléments abandonnés de la file d'attente"),
          (16, 22, 8, 8),
          [q('increase(tierwatch_agent_outbox_dropped_total[$__rate_interval])', '{{agent}}')],
          unit='none',
          extra={
            'fieldConfig': {
                'defaults': {
                    'thresholds': {
                        'mode': 'absolute',
                        'steps': [{'color': 'green', 'value': None}, {'color': 'red', 'value': 1}],
                    },
                    'color': {'mode': 'thresholds'},
                },
            },
        }),
        row(T('Polls', 'Interrogations'), 30),
        panel('timeseries',
          T('Targets by poll status', "Cibles par résultat d'interrogation"),
          (0, 31, 12, 8),
          [q('sum by (status) (tierwatch_target_poll_status == 1)', '{{status}}')],
          unit='none'),
        panel('timeseries',
          T('Slowest polls', 'Interrogations les plus lentes'),
          (12, 31, 12, 8),
          [q('topk(10, tierwatch_target_poll_duration_seconds)', '{{target}}')],
          unit='s'),
        panel('timeseries',
          T('Availability engine compute time', 'Temps de calcul du moteur de disponibilité'),
          (0, 39, 12, 8),
          [q('tierwatch_availability_compute_duration_seconds', '{{instance}}')],
          unit='s'),
        panel('timeseries',
          T('Prometheus rule group duration', 'Durée des groupes de règles Prometheus'),
          (12, 39, 12, 8),
          [q('max by (rule_group) (prometheus_rule_group_last_duration_seconds)', '{{rule_group}}')],
          unit='s'),
        panel('timeseries',
          T('Poll start lag', 'Retard de départ des interrogations'),
          (0, 47, 12, 8),
          [q('topk(10, tierwatch_agent_poll_lag_seconds)', '{{target}} ({{agent}})')],
          unit='s',
          description=T("How late each target's last poll started after its slot (waiting for a free poll slot "
                        'included); the ten latest.',
                        "Retard du départ de la dernière interrogation de chaque cible sur son créneau (attente "
                        "d'une place libre comprise) ; les dix plus en retard.")),
        panel('timeseries',
          T('Polls skipped', 'Interrogations sautées'),
          (12, 47, 12, 8),
          [q('topk(10, increase(tierwatch_agent_polls_skipped_total[$__rate_interval]))', '{{target}} ({{agent}})')],
          unit='none',
          description=T('Scheduled polls dropped because the previous poll of the target overran its interval; '
                        'the ten targets skipping most.',
                        "Interrogations prévues abandonnées parce que la précédente a dépassé son intervalle ; "
                        "les dix cibles qui en sautent le plus.")),
        row(T('State and clocks', 'État persistant et horloges'), 55),
        panel('timeseries',
          T('State stores degraded', 'Magasins d\'état dégradés'),
          (0, 56, 8, 8),
          [q('max by (instance, store) (tierwatch_collector_state_degraded)', '{{store}} ({{instance}})')],
          unit='none',
          description=T('1 while a state store (availability history, ledger, audit) cannot write, most often a '
                        'full disk: the collector serves from memory and catches up when space returns.',
                        "1 tant qu'un magasin d'état (historique de disponibilité, registre, journal) ne peut "
                        "pas écrire, le plus souvent disque plein : le collecteur sert depuis la mémoire et "
                        "rattrape quand la place revient.")),
        panel('timeseries',
          T('State records waiting to be written', 'Enregistrements en attente d\'écriture'),
          (8, 56, 8, 8),
          [q('sum by (instance, store) (tierwatch_collector_state_unwritten_records)', '{{store}} ({{instance}})')],
          unit='none'),
        panel('timeseries',
          T('Agent clock offset', 'Décalage d\'horloge des agents'),
          (16, 56, 8, 8),
          [q('max by (agent) (tierwatch_collector_agent_clock_offset_seconds)', '{{agent}}')],
          unit='s',
          description=T("Each agent's clock against the collector's (sent_at against arrival). The collector logs "
                        'an offset past ingest.clock_skew_warn (2 s) and judges staleness on the corrected time; '
                        'TierwatchAgentClockSkewed opens a ticket past 30 s.',
                        "Horloge de chaque agent comparée à celle du collecteur (sent_at contre arrivée). Le "
                        "collecteur journalise un décalage au-delà de ingest.clock_skew_warn (2 s) et juge la "
                        "fraîcheur sur l'heure corrigée ; TierwatchAgentClockSkewed ouvre un ticket au-delà de 30 s.")),
    ],
)
