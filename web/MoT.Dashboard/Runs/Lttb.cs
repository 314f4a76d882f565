namespace MoT.Dashboard.Runs;

/// <summary>
/// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and last point and, from each of
/// <c>threshold - 2</c> equal buckets in between, the point that spans the largest triangle with the point kept before
/// and the mean of the next bucket. Unlike an even stride it keeps spikes (a divergence, a loss jump after a resume),
/// so a 100,000-point curve drawn from 1,000 points still shows them. Input in ascending x; output is a subsequence.
/// </summary>
public static class Lttb
{
    public static IReadOnlyList<(double X, double Y)> Downsample(IReadOnlyList<(double X, double Y)> points, int threshold)
    {
        if (threshold < 3 || points.Count <= threshold) return points;

        var sampled = new List<(double X, double Y)>(threshold) { points[0] };
        var bucketSize = (points.Count - 2) / (double)(threshold - 2);
        var kept = 0;
        for (var bucket = 0; bucket < threshold - 2; bucket++)
        {
            // The mean of the next bucket (or the last point) is the triangle's third corner.
            var nextStart = (int)Math.Floor(((bucket + 1) * bucketSize) + 1);
            var nextEnd = Math.Min((int)Math.Floor(((bucket + 2) * bucketSize) + 1), points.Count);
            double meanX = 0, meanY = 0;
            if (nextStart >= nextEnd)
            {
                (meanX, meanY) = points[^1];
            }
            else
            {
                for (var i = nextStart; i < nextEnd; i++)
                {
                    meanX += points[i].X;
                    meanY += points[i].Y;
                }

                meanX /= nextEnd - nextStart;
                meanY /= nextEnd - nextStart;
            }

            var start = (int)Math.Floor((bucket * bucketSize) + 1);
            var end = Math.Min((int)Math.Floor(((bucket + 1) * bucketSize) + 1), points.Count - 1);
            var (ax, ay) = points[kept];
            var best = start;
            var bestArea = -1.0;
            for (var i = start; i < end; i++)
            {
                var area = Math.Abs(((ax - meanX) * (points[i].Y - ay)) - ((ax - points[i].X) * (meanY - ay)));
                if (area > bestArea)
                {
                    bestArea = area;
                    best = i;
                }
            }

            sampled.Add(points[best]);
            kept = best;
        }

        sampled.Add(points[^1]);
        return sampled;
    }
}
