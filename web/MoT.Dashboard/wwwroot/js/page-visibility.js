// Tells a component whether its tab is hidden (a background tab, a minimised window): pages that stream live data
// skip redrawing while nobody can see them and catch up when shown.
const watchers = new Map();

export function watch(id, component) {
    const report = () => component.invokeMethodAsync('SetHidden', document.visibilityState === 'hidden');
    watchers.set(id, report);
    document.addEventListener('visibilitychange', report);
    report();
}

export function unwatch(id) {
    const report = watchers.get(id);
    if (report) document.removeEventListener('visibilitychange', report);
    watchers.delete(id);
}
