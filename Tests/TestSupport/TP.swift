public enum TP {}
