// The report page's charts (render.ts inlines this file after Chart.js's UMD bundle, which defines `Chart`).
// Plain browser JavaScript: it reads the run from #report-data and sets <html data-ready="true"> when every
// chart is drawn, which the Chromium check (check.ts) waits for.
(function () {
  "use strict";
  /* global Chart */
  const data = JSON.parse(document.getElementById("report-data").textContent);

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  const OUTCOME_COLOURS = {
    accepted: "#009E73",
    replayed: "#56B4E9",
    soldOut: "#D55E00",
    limit: "#CC79A7",
    retryLater: "#E69F00",
    other: "#999999",
  };
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#999999"];
  const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#3b4452";
  Chart.defaults.borderColor = "#e8ebf0";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;

  function trim(x, digits) {
    return String(Number(x.toFixed(digits)));
  }
  function fmtMs(ms) {
    if (!isFinite(ms)) return "–";
    if (ms >= 10000) return trim(ms / 1000, 0) + " s";
    if (ms >= 1000) return trim(ms / 1000, 1) + " s";
    if (ms >= 10 || ms === 0) return trim(ms, 0) + " ms";
    if (ms >= 1) return trim(ms, 1) + " ms";
    return trim(ms, 2) + " ms";
  }
  function fmtCount(n) {
    const a = Math.abs(n);
    if (a >= 1e6) return trim(n / 1e6, 1) + "M";
    if (a >= 1e4) return trim(n / 1e3, 0) + "k";
    if (a >= 1e3) return trim(n / 1e3, 1) + "k";
    return trim(n, 0);
  }
  function fmtSeconds(s) {
    return trim(s, s >= 10 || Number.isInteger(s) ? 0 : 1) + " s";
  }
  function fmtBytes(b) {
    if (b >= 1e9) return trim(b / 1e9, 1) + " GB";
    if (b >= 1e6) return trim(b / 1e6, b >= 1e8 ? 0 : 1) + " MB";
    if (b >= 1e3) return trim(b / 1e3, 0) + " kB";
    return trim(b, 0) + " B";
  }
  function fmtPercentile(p) {
    // Up to four decimals: the ticks go to p99.999, which two decimals would print as "p100".
    return p === 100 ? "max" : "p" + trim(p, 4);
  }
  // A percentile p sits at 100 / (100 - p) on a log axis: p50 at 2, p90 at 10, p99 at 100, p99.9 at 1000,
  // so each extra nine gets as much room as the body.
  function nines(p) {
    return 100 / Math.max(1e-6, 100 - p);
  }

  /** Tick labels only where a reader wants them; Chart.js's own ticks on a log axis are 1, 2, 3, … 9, 10, 20. */
  function onlyTicks(values) {
    return function (axis) {
      axis.ticks = values
        .filter(function (v) {
          return v >= axis.min && v <= axis.max;
        })
        .map(function (v) {
          return { value: v };
        });
    };
  }
  function oneTwoFive(min, max) {
    const out = [];
    for (let e = Math.floor(Math.log10(Math.max(min, 1e-3))); e <= Math.ceil(Math.log10(max)); e++) {
      [1, 2, 5].forEach(function (m) {
        out.push(m * Math.pow(10, e));
      });
    }
    return out;
  }

  /** A category axis labelled only at round values (every `step`), not at whichever bars autoSkip keeps. */
  function roundLabels(values, step, fmt) {
    return function (_, i) {
      const v = values[i];
      return Math.abs(v / step - Math.round(v / step)) < 1e-6 ? fmt(v) : null;
    };
  }
  function firstStep(steps, fits) {
    for (let i = 0; i < steps.length; i++) if (fits(steps[i])) return steps[i];
    return steps[steps.length - 1];
  }

  const charts = [];
  function make(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas && document.querySelector('[data-chart="' + id + '"]')) return; // nothing to draw, and the page says so
    if (!canvas) throw new Error("no canvas #" + id);
    charts.push(new Chart(canvas, config));
  }
  function seconds(title) {
    return {
      type: "linear",
      min: 0,
      title: { display: true, text: title || "seconds since the drop" },
      ticks: {
        callback: function (v) {
          return fmtSeconds(v);
        },
        maxTicksLimit: 12,
      },
    };
  }
  function countAxis(title, stacked) {
    return {
      beginAtZero: true,
      stacked: !!stacked,
      title: { display: !!title, text: title },
      ticks: {
        precision: 0,
        callback: function (v) {
          return fmtCount(v);
        },
      },
    };
  }
  const lineDefaults = { pointRadius: 0, pointHoverRadius: 3, borderWidth: 2, tension: 0 };

  // Answers over time, stacked by outcome.
  const answers = data.answers;
  const span = answers.startSeconds.length * answers.bucketSeconds;
  const answerStep = firstStep(
    [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600],
    function (s) {
      return s >= answers.bucketSeconds && span / s <= 12;
    },
  );
  make("chart-answers", {
    type: "bar",
    data: {
      labels: answers.startSeconds.map(function (s) {
        return fmtSeconds(s);
      }),
      datasets: answers.series.map(function (s) {
        return {
          label: s.label,
          data: s.counts,
          backgroundColor: OUTCOME_COLOURS[s.outcome] || "#999999",
          borderWidth: 0,
          barPercentage: 1,
          categoryPercentage: 0.9,
        };
      }),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", align: "start" },
        tooltip: {
          callbacks: {
            title: function (items) {
              return "from " + items[0].label;
            },
          },
        },
      },
      scales: {
        x: {
          stacked: true,
          title: { display: true, text: "seconds since the drop" },
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            callback: roundLabels(answers.startSeconds, answerStep, fmtSeconds),
          },
          grid: { display: false },
        },
        y: countAxis(
          "answers per " +
            (answers.bucketSeconds >= 1 ? fmtSeconds(answers.bucketSeconds) : fmtMs(answers.bucketSeconds * 1000)),
          true,
        ),
      },
    },
  });

  // Stock over time.
  make("chart-stock", {
    type: "line",
    data: {
      datasets: data.stock.series.map(function (s, i) {
        return Object.assign(
          {
            label: s.label,
            data: s.points.map(function (p) {
              return { x: p[0], y: p[1] };
            }),
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length],
            borderDash: DASHES[i % DASHES.length],
          },
          lineDefaults,
        );
      }),
    },
    options: {
      interaction: { mode: "nearest", axis: "x", intersect: false },
      plugins: {
        legend: { position: "top", align: "start" },
        tooltip: {
          callbacks: {
            title: function (items) {
              return fmtSeconds(items[0].parsed.x);
            },
            label: function (it) {
              return it.dataset.label + ": " + fmtCount(it.parsed.y);
            },
          },
        },
      },
      scales: { x: seconds(), y: countAxis("units") },
    },
  });

  // Latency percentile curves; a log y axis when the tail is far above the body.
  const lat = data.latency.filter(function (l) {
    return l.points.length > 0;
  });
  const ms = [].concat
    .apply(
      [],
      lat.map(function (l) {
        return l.points.map(function (p) {
          return p[1];
        });
      }),
    )
    .filter(function (v) {
      return v > 0;
    });
  const lo = ms.length ? Math.min.apply(null, ms) : 1;
  const hi = ms.length ? Math.max.apply(null, ms) : 10;
  const logY = hi / Math.max(lo, 1e-3) > 30;
  make("chart-latency", {
    type: "line",
    data: {
      datasets: lat.map(function (l, i) {
        return Object.assign(
          {
            label: l.label,
            data: l.points.map(function (p) {
              return { x: nines(p[0]), y: logY ? Math.max(p[1], lo) : p[1], p: p[0], ms: p[1] };
            }),
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length],
            borderDash: DASHES[i % DASHES.length],
            pointRadius: 2,
          },
          lineDefaults,
          { pointRadius: 2 },
        );
      }),
    },
    options: {
      interaction: { mode: "nearest", intersect: false },
      plugins: {
        legend: { position: "top", align: "start" },
        tooltip: {
          callbacks: {
            title: function () {
              return "";
            },
            label: function (it) {
              return it.dataset.label + " " + fmtPercentile(it.raw.p) + ": " + fmtMs(it.raw.ms);
            },
          },
        },
      },
      scales: {
        x: {
          type: "logarithmic",
          min: 1,
          title: { display: true, text: "percentile" },
          afterBuildTicks: onlyTicks([2, 10, 100, 1000, 10000, 100000]),
          ticks: {
            callback: function (v) {
              return fmtPercentile(100 - 100 / v);
            },
          },
        },
        y: logY
          ? {
              type: "logarithmic",
              title: { display: true, text: "latency" },
              afterBuildTicks: onlyTicks(oneTwoFive(lo, hi)),
              ticks: {
                callback: function (v) {
                  return fmtMs(v);
                },
              },
            }
          : {
              beginAtZero: true,
              title: { display: true, text: "latency" },
              ticks: {
                callback: function (v) {
                  return fmtMs(v);
                },
              },
            },
      },
    },
  });

  // The reservation → row distribution: round bins, each labelled by its start.
  const lag = data.lag;
  const binWidth = lag.edges.length > 1 ? lag.edges[1] - lag.edges[0] : 1;
  const lagStep =
    binWidth *
    firstStep([1, 2, 4, 5, 10, 20, 25, 50, 100], function (k) {
      return lag.counts.length / k <= 8;
    });
  make("chart-lag", {
    type: "bar",
    data: {
      labels: lag.counts.map(function (_, i) {
        return fmtMs(lag.edges[i]);
      }),
      datasets: [
        {
          label: "orders",
          data: lag.counts,
          backgroundColor: "#0072B2",
          borderWidth: 0,
          barPercentage: 1,
          categoryPercentage: 0.92,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: function (items) {
              const i = items[0].dataIndex;
              return (
                fmtMs(lag.edges[i]) + " – " + (i === lag.counts.length - 1 ? fmtMs(lag.max) : fmtMs(lag.edges[i + 1]))
              );
            },
            label: function (it) {
              return fmtCount(it.parsed.y) + " orders";
            },
          },
        },
      },
      scales: {
        x: {
          title: { display: true, text: "202 → row in MySQL (bin start)" },
          ticks: { autoSkip: false, maxRotation: 0, callback: roundLabels(lag.edges, lagStep, fmtMs) },
          grid: { display: false },
        },
        y: countAxis("orders"),
      },
    },
  });

  // The lifecycle: one horizontal bar per count, coloured by group (orders, refunds, events), values at the bar ends.
  const labels = [];
  const datasets = data.lifecycle.map(function (g, gi) {
    return {
      label: g.title,
      data: [],
      backgroundColor: PALETTE[gi % PALETTE.length],
      borderWidth: 0,
      barPercentage: 0.8,
      categoryPercentage: 0.9,
      skipNull: true,
    };
  });
  data.lifecycle.forEach(function (g, gi) {
    Object.keys(g.counts).forEach(function (k) {
      labels.push(k);
      datasets.forEach(function (d, di) {
        d.data.push(di === gi ? g.counts[k] : null);
      });
    });
  });
  const valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = "600 11px " + Chart.defaults.font.family;
      ctx.fillStyle = "#1d2430";
      ctx.textBaseline = "middle";
      chart.data.datasets.forEach(function (d, di) {
        chart.getDatasetMeta(di).data.forEach(function (bar, i) {
          if (d.data[i] === null || d.data[i] === undefined) return;
          ctx.fillText(fmtCount(d.data[i]), bar.x + 4, bar.y);
        });
      });
      ctx.restore();
    },
  };
  make("chart-lifecycle", {
    type: "bar",
    data: { labels: labels, datasets: datasets },
    plugins: [valueLabels],
    options: {
      indexAxis: "y",
      layout: { padding: { right: 36 } },
      plugins: { legend: { position: "top", align: "start" } },
      scales: { x: countAxis("", true), y: { stacked: true, grid: { display: false }, ticks: { autoSkip: false } } },
    },
  });

  // Further series over time (the headline's CPU per process, Redis memory).
  (data.extra || []).forEach(function (e, ei) {
    const fmt =
      e.unit === "percent"
        ? function (v) {
            return trim(v, 0) + " %";
          }
        : e.unit === "bytes"
          ? fmtBytes
          : e.unit === "ms"
            ? fmtMs
            : fmtCount;
    make("extra-" + ei, {
      type: "line",
      data: {
        datasets: e.series.map(function (s, i) {
          return Object.assign(
            {
              label: s.label,
              data: s.points.map(function (p) {
                return { x: p[0], y: p[1] };
              }),
              borderColor: PALETTE[i % PALETTE.length],
              backgroundColor: PALETTE[i % PALETTE.length],
              borderDash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length],
            },
            lineDefaults,
          );
        }),
      },
      options: {
        interaction: { mode: "nearest", axis: "x", intersect: false },
        plugins: {
          legend: { position: "top", align: "start" },
          tooltip: {
            callbacks: {
              label: function (it) {
                return it.dataset.label + ": " + fmt(it.parsed.y);
              },
            },
          },
        },
        scales: {
          x: seconds(),
          y: {
            beginAtZero: true,
            ticks: {
              callback: function (v) {
                return fmt(v);
              },
            },
          },
        },
      },
    });
  });

  document.documentElement.dataset.charts = String(charts.length);
  document.documentElement.dataset.ready = "true";
})();
