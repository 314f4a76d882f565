namespace MoT.Dashboard.Sweeps;

/// <summary>
/// A small regression random forest (bootstrap samples, every feature tried at each split as scikit-learn's regressor
/// does by default, variance reduction, leaves of at least <see cref="MinLeaf"/> samples). Deterministic given its seed. Sized for sweeps (tens to
/// a few thousand trials, a handful of parameters), not for general use.
/// </summary>
public sealed class RandomForest
{
    public const int MinLeaf = 2;
    private const int MaxDepth = 12;
    private readonly List<Node> _trees;

    private RandomForest(List<Node> trees) => _trees = trees;

    /// <summary>Fits <paramref name="trees"/> trees to rows of <paramref name="features"/> and their targets.</summary>
    public static RandomForest Fit(IReadOnlyList<double[]> features, IReadOnlyList<double> targets, int trees = 64, int seed = 17)
    {
        if (features.Count != targets.Count || features.Count == 0) throw new ArgumentException("One target per feature row, at least one row.");
        var random = new Random(seed);
        var width = features[0].Length;
        // Trying a random subset of features forces splits on parameters that do not matter when there are only two or
        // three of them, which reads as importance; bagging alone decorrelates the trees enough here.
        var tried = width;
        var forest = new List<Node>(trees);
        for (var t = 0; t < trees; t++)
        {
            var sample = Enumerable.Range(0, features.Count).Select(_ => random.Next(features.Count)).ToArray();
            forest.Add(Grow(features, targets, sample, width, tried, 0, random));
        }

        return new RandomForest(forest);
    }

    public double Predict(double[] row)
    {
        var sum = 0.0;
        foreach (var tree in _trees) sum += tree.Predict(row);
        return sum / _trees.Count;
    }

    private static Node Grow(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int[] rows, int width, int tried, int depth, Random random)
    {
        var mean = rows.Average(r => y[r]);
        if (rows.Length < 2 * MinLeaf || depth >= MaxDepth) return new Node(mean);

        var features = Enumerable.Range(0, width).OrderBy(_ => random.Next()).Take(tried).ToList();
        var (bestFeature, bestThreshold, bestScore) = (-1, 0.0, double.MaxValue);
        // Try every feature when the sampled ones cannot split (constant in this node).
        foreach (var feature in features.Concat(Enumerable.Range(0, width).Except(features)))
        {
            var order = rows.OrderBy(r => x[r][feature]).ToArray();
            var (leftSum, leftSq) = (0.0, 0.0);
            var (totalSum, totalSq) = (order.Sum(r => y[r]), order.Sum(r => y[r] * y[r]));
            for (var i = 0; i < order.Length - 1; i++)
            {
                var v = y[order[i]];
                leftSum += v;
                leftSq += v * v;
                var leftCount = i + 1;
                var rightCount = order.Length - leftCount;
                if (leftCount < MinLeaf || rightCount < MinLeaf) continue;
                var (a, b) = (x[order[i]][feature], x[order[i + 1]][feature]);
                if (a == b) continue;
                // Sum of squared errors of both sides.
                var score = (leftSq - (leftSum * leftSum / leftCount)) + ((totalSq - leftSq) - ((totalSum - leftSum) * (totalSum - leftSum) / rightCount));
                if (score < bestScore) (bestFeature, bestThreshold, bestScore) = (feature, (a + b) / 2, score);
            }

            if (bestFeature >= 0 && features.Contains(feature) && feature == features[^1]) break;
        }

        if (bestFeature < 0) return new Node(mean);
        var left = rows.Where(r => x[r][bestFeature] <= bestThreshold).ToArray();
        var right = rows.Where(r => x[r][bestFeature] > bestThreshold).ToArray();
        return new Node(mean, bestFeature, bestThreshold,
            Grow(x, y, left, width, tried, depth + 1, random), Grow(x, y, right, width, tried, depth + 1, random));
    }

    private sealed record Node(double Value, int Feature = -1, double Threshold = 0, Node? Left = null, Node? Right = null)
    {
        public double Predict(double[] row)
        {
            var node = this;
            while (node.Feature >= 0) node = row[node.Feature] <= node.Threshold ? node.Left! : node.Right!;
            return node.Value;
        }
    }
}
