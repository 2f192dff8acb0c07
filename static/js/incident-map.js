// The map of the listed incidents, drawn with Leaflet (static/vendor/leaflet-1.9.4/).
//
// Its points come from their own address (data-points: /incidents/map.json with the list's
// filter, built by incidents.explorer.map_points_data), so that the page stays small and the
// browser can keep them: [latitude, longitude, event type, id, date, killed, title].
// Each is a circle coloured by event type, with a popup linking to the incident, and the view
// is fitted to them. OpenStreetMap's tiles load in the reader's browser; the vendored country
// outlines are drawn under the points, and filled in as land when the tiles cannot load, so
// that the map still shows where things happened without internet.
//
// A list filtered by distance (data-near "lat,lon" and data-radius-km, from near= and
// radius_km=) also shows its circle, and the view takes in the whole circle.
(function () {
  "use strict";

  const element = document.getElementById("incident-map");
  if (!element || !window.L) {
    return;
  }
  // The section is hidden in the HTML, so that a browser without JavaScript shows no empty box.
  document.getElementById("incident-map-section").hidden = false;

  const map = L.map(element, { scrollWheelZoom: false, worldCopyJump: true });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');

  // Country outlines sit in their own pane, under the points and over the tiles.
  map.createPane("outlines").style.zIndex = 350;
  const outlineStyle = {
    pane: "outlines",
    interactive: false,
    color: "#6b7680",
    weight: 1,
    fillColor: "#f3f1ea",
    fillOpacity: 0,
  };
  let outlines = null;
  let offline = false;
  fetch(element.dataset.boundaries)
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((countries) => {
      outlines = L.geoJSON(countries, outlineStyle).addTo(map);
      if (offline) {
        outlines.setStyle({ fillOpacity: 1 });
      }
    })
    .catch(() => {
      // The points still show; only the outlines are missing.
    });

  const tiles = L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: element.dataset.attribution,
  }).addTo(map);
  tiles.once("tileerror", () => {
    offline = true;
    element.classList.add("offline");
    outlines?.setStyle({ fillOpacity: 1 });
  });

  // The map has no view, and so loads no tile, until its points say where to look.
  const sahel = [15, 0];
  fetch(element.dataset.points)
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then(drawPoints)
    .catch(() => {
      map.setView(sahel, 4);
      element.dataset.markers = "unavailable";
    });

  function searchCircle() {
    if (!element.dataset.near || !element.dataset.radiusKm) {
      return null;
    }
    const centre = L.latLng(element.dataset.near.split(",").map(Number));
    const metres = Number(element.dataset.radiusKm) * 1000;
    return L.circle(centre, {
      radius: metres,
      color: "#8a4b08",
      weight: 2,
      dashArray: "6 4",
      fill: false,
      interactive: false,
      className: "search-circle",
    });
  }

  function drawPoints(data) {
    const markers = L.featureGroup();
    for (const [latitude, longitude, eventType, id, date, killed, title] of data.points) {
      const marker = L.circleMarker([latitude, longitude], {
        radius: 6,
        color: "#1d2329",
        weight: 1,
        fillColor: data.colours[eventType] || data.otherColour,
        fillOpacity: 0.85,
        className: "incident-marker",
      });
      marker.bindPopup(() => popup(data.incidentUrl, id, date, killed, title));
      markers.addLayer(marker);
    }
    markers.addTo(map);
    element.dataset.markers = String(data.points.length);
    const circle = searchCircle();
    if (circle) {
      // The circle's bounds need a map view to be measured by the circle itself; the centre
      // measures them without one.
      const bounds = circle.getLatLng().toBounds(circle.getRadius() * 2);
      map.fitBounds(bounds.extend(markers.getBounds()), { padding: [24, 24] });
      circle.addTo(map);
    } else if (data.points.length) {
      map.fitBounds(markers.getBounds(), { padding: [24, 24], maxZoom: 7 });
    } else {
      map.setView(sahel, 4);
    }
    // The legend names every event type of the filter; only those on the map stay.
    const onMap = new Set(data.points.map((point) => point[2]));
    for (const entry of document.querySelectorAll(".map-legend [data-event-type]")) {
      entry.hidden = !onMap.has(entry.dataset.eventType);
    }
  }

  // Built from DOM nodes, not HTML, so that a title is only ever text.
  function popup(incidentUrl, id, date, killed, title) {
    const content = document.createElement("div");
    content.className = "map-popup";
    const link = document.createElement("a");
    link.href = incidentUrl.replace("{id}", id);
    link.textContent = title;
    const facts = document.createElement("div");
    facts.className = "sub";
    facts.textContent = `${date} · ${killed}`;
    content.append(link, facts);
    return content;
  }
})();
